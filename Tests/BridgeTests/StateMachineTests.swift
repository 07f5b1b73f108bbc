@testable import Bridge
import Ledger
import ServiceLifecycle
import Logging
import XCTest

/// The concurrency helpers' state machines, every transition as a plain value (waiters are
/// strings, time is passed in), then each thin shell's cancellation and shutdown.
final class ShutdownSignalStateMachineTests: XCTestCase {
    typealias Machine = ShutdownSignalStateMachine<String>

    func testASleepParksAndItsTimerResumesIt() {
        var machine = Machine()
        XCTAssertEqual(machine.startSleep(), .sleep(1))
        XCTAssertEqual(machine.park(1, "a"), .wait)
        guard case .resume("a") = machine.wake(1) else { return XCTFail("the timer resumes the parked sleeper") }
        guard case .none = machine.wake(1) else { return XCTFail("a second wake-up (timer and cancellation) does nothing") }
        machine.finish(1)
        XCTAssertEqual(machine.sleepCount, 0)
        guard case .none = machine.wake(1) else { return XCTFail("a late timer after the sleep is over does nothing") }
    }

    func testAWakeUpBeforeTheSleeperParksIsNotLost() {
        var machine = Machine()
        XCTAssertEqual(machine.startSleep(), .sleep(1))
        guard case .none = machine.wake(1) else { return XCTFail("nobody parked yet") }
        XCTAssertEqual(machine.park(1, "a"), .resumeNow, "cancelled (or timed out) before it parked")
    }

    func testTriggerResumesEveryParkedSleeperAndStopsNewOnes() {
        var machine = Machine()
        _ = machine.startSleep()
        _ = machine.startSleep()
        _ = machine.startSleep()
        XCTAssertEqual(machine.park(1, "a"), .wait)
        XCTAssertEqual(machine.park(2, "b"), .wait)
        guard case .resume(let woken) = machine.trigger() else { return XCTFail("trigger resumes") }
        XCTAssertEqual(Set(woken), ["a", "b"])
        XCTAssertTrue(machine.isTriggered)
        XCTAssertEqual(machine.park(3, "c"), .resumeNow, "one still starting does not park after shutdown")
        XCTAssertEqual(machine.startSleep(), .stopped)
        guard case .none = machine.trigger() else { return XCTFail("triggered once") }
        guard case .none = machine.wake(1) else { return XCTFail("nothing to wake after shutdown") }
    }
}

final class ShutdownSignalTests: XCTestCase {
    func testTriggerEndsASleepAtOnce() async throws {
        let signal = ShutdownSignal()
        let sleeper = Task { await signal.sleep(for: .seconds(3600)) }
        try await waitUntil("parked") { signal.sleeping == 1 }
        signal.trigger()
        let slept = await sleeper.value
        XCTAssertFalse(slept)
        XCTAssertEqual(signal.sleeping, 0)
        let after = await signal.sleep(for: .seconds(3600))
        XCTAssertFalse(after, "no sleep after shutdown")
    }

    func testCancellationEndsASleepAndATimerEndsItNormally() async throws {
        let signal = ShutdownSignal()
        let sleeper = Task { await signal.sleep(for: .seconds(3600)) }
        try await waitUntil("parked") { signal.sleeping == 1 }
        sleeper.cancel()
        let slept = await sleeper.value
        XCTAssertFalse(slept)
        let short = await signal.sleep(for: .milliseconds(5))
        XCTAssertTrue(short, "slept its time")
        XCTAssertEqual(signal.sleeping, 0)
    }
}

/// A waiter woken by the event it waits for, with a deadline and shutdown.
final class ShutdownSignalChangeTests: XCTestCase {
    func testAChangeWakesTheSleepAndShutdownEndsIt() async throws {
        let (signal, shutdown) = (ChangeSignal(), ShutdownSignal())
        let seen = signal.generation
        let woken = Task { await shutdown.sleep(for: .seconds(3600), orUntil: signal, changesAfter: seen) }
        try await waitUntil("parked on the signal") { signal.waiting == 1 }
        signal.changed()
        let changed = await woken.value
        XCTAssertTrue(changed, "woken by the change, not by the hour")

        let timedOut = await shutdown.sleep(for: .milliseconds(5), orUntil: signal, changesAfter: signal.generation)
        XCTAssertTrue(timedOut, "the deadline ends it too")
        let missed = await shutdown.sleep(for: .seconds(3600), orUntil: signal, changesAfter: seen)
        XCTAssertTrue(missed, "a change since `seen` ends it at once")

        let stopped = Task { await shutdown.sleep(for: .seconds(3600), orUntil: signal, changesAfter: signal.generation) }
        try await waitUntil("parked on both") { signal.waiting == 1 && shutdown.sleeping == 1 }
        shutdown.trigger()
        let afterShutdown = await stopped.value
        XCTAssertFalse(afterShutdown)
        XCTAssertEqual(signal.waiting, 0, "the wait on the signal was cancelled with it")
    }
}

final class WakeupsStateMachineTests: XCTestCase {
    typealias Machine = WakeupsStateMachine<String>

    func testSignalsBetweenWaitsCollapseIntoOneWakeup() {
        var machine = Machine()
        guard case .none = machine.signal(renamedIn: [[1]], overflow: false) else { return XCTFail() }
        guard case .none = machine.signal(renamedIn: [[2]], overflow: true) else { return XCTFail() }
        XCTAssertEqual(machine.startWait(), .returnNow(Wakeup(renamedIn: [[1], [2]], overflow: true)))
        XCTAssertEqual(machine.startWait(), .wait(1), "collected signals are handed out once")
    }

    func testASignalResumesTheParkedWaiter() {
        var machine = Machine()
        XCTAssertEqual(machine.startWait(), .wait(1))
        XCTAssertFalse(machine.isParked)
        guard case .wait = machine.park(1, "loop") else { return XCTFail() }
        XCTAssertTrue(machine.isParked)
        guard case .resume("loop", let wakeup) = machine.signal(renamedIn: [[7]], overflow: false) else { return XCTFail() }
        XCTAssertEqual(wakeup, Wakeup(renamedIn: [[7]]))
        guard case .none = machine.timeout(1) else { return XCTFail("the timer after the signal does nothing") }
    }

    func testATimeoutOrCancellationEndsTheWaitAsTimedOutEvenBeforeItParks() {
        var machine = Machine()
        XCTAssertEqual(machine.startWait(), .wait(1))
        guard case .wait = machine.park(1, "loop") else { return XCTFail() }
        guard case .resume("loop", let wakeup) = machine.timeout(1) else { return XCTFail() }
        XCTAssertTrue(wakeup.timedOut)

        XCTAssertEqual(machine.startWait(), .wait(2))
        guard case .none = machine.timeout(2) else { return XCTFail("not parked yet") }
        guard case .resumeNow(let early) = machine.park(2, "loop") else { return XCTFail("expired before it parked") }
        XCTAssertTrue(early.timedOut)
    }

    func testASignalBeforeTheWaiterParksIsFoundWhenItDoes() {
        var machine = Machine()
        XCTAssertEqual(machine.startWait(), .wait(1))
        guard case .none = machine.signal(renamedIn: [], overflow: true) else { return XCTFail() }
        guard case .resumeNow(let wakeup) = machine.park(1, "loop") else { return XCTFail() }
        XCTAssertEqual(wakeup, Wakeup(overflow: true))
        guard case .none = machine.timeout(1) else { return XCTFail() }
    }

    func testASecondWaiterIsWokenAtOnceNotLeftHanging() {
        var machine = Machine()
        XCTAssertEqual(machine.startWait(), .wait(1))
        XCTAssertEqual(machine.startWait(), .returnNow(Wakeup()))
    }
}

final class WakeupsTests: XCTestCase {
    func testACancelledWaitReturnsAtOnce() async throws {
        let wakeups = Wakeups()
        let waiter = Task { await wakeups.wait(timeout: .seconds(3600)) }
        try await waitUntil("parked") { wakeups.isWaiting }
        waiter.cancel()
        let wakeup = await waiter.value
        XCTAssertTrue(wakeup.timedOut)
    }

    func testASignalWakesTheWaiter() async throws {
        let wakeups = Wakeups()
        wakeups.signal(renamedIn: [[1]])
        let collected = await wakeups.wait(timeout: .seconds(3600))
        XCTAssertEqual(collected.renamedIn, [[1]])
        let quiet = await wakeups.wait(timeout: .milliseconds(5))
        XCTAssertTrue(quiet.timedOut)
    }
}

final class ConcurrencyGateStateMachineTests: XCTestCase {
    typealias Machine = ConcurrencyGateStateMachine<String>

    func testPermitsUpToTheLimitThenWaitersInArrivalOrder() {
        var machine = Machine(limit: 2)
        let (a, b, c, d) = (machine.makeTicket(), machine.makeTicket(), machine.makeTicket(), machine.makeTicket())
        guard case .proceed("a") = machine.acquire(a, "a") else { return XCTFail() }
        guard case .proceed("b") = machine.acquire(b, "b") else { return XCTFail() }
        guard case .wait = machine.acquire(c, "c") else { return XCTFail() }
        guard case .wait = machine.acquire(d, "d") else { return XCTFail() }
        XCTAssertEqual(machine.inUse, 2)
        guard case .handOver("c") = machine.release() else { return XCTFail("first come, first served") }
        guard case .handOver("d") = machine.release() else { return XCTFail() }
        XCTAssertEqual(machine.inUse, 2, "a handed-over permit stays in use")
        guard case .none = machine.release() else { return XCTFail() }
        guard case .none = machine.release() else { return XCTFail() }
        XCTAssertEqual(machine.inUse, 0)
    }

    func testAFreePermitIsNotTakenPastAWaiter() {
        var machine = Machine(limit: 1)
        let (a, b) = (machine.makeTicket(), machine.makeTicket())
        guard case .proceed = machine.acquire(a, "a") else { return XCTFail() }
        guard case .wait = machine.acquire(b, "b") else { return XCTFail() }
        guard case .handOver("b") = machine.release() else { return XCTFail() }
        let c = machine.makeTicket()
        guard case .wait = machine.acquire(c, "c") else { return XCTFail("b holds the only permit") }
    }

    func testCancellationWhileWaitingLeavesTheQueueAndBeforeArrivingGivesUpOnArrival() {
        var machine = Machine(limit: 1)
        let (a, b, c, d) = (machine.makeTicket(), machine.makeTicket(), machine.makeTicket(), machine.makeTicket())
        guard case .proceed = machine.acquire(a, "a") else { return XCTFail() }
        guard case .wait = machine.acquire(b, "b") else { return XCTFail() }
        guard case .wait = machine.acquire(c, "c") else { return XCTFail() }
        guard case .resumeCancelled("b") = machine.cancel(b) else { return XCTFail() }
        XCTAssertEqual(machine.waitingCount, 1)
        guard case .none = machine.cancel(d) else { return XCTFail("d has not arrived yet") }
        guard case .cancel("d") = machine.acquire(d, "d") else { return XCTFail("d gives up as it arrives") }
        guard case .none = machine.cancel(a) else { return XCTFail("a holds its permit: its body's business") }
        guard case .handOver("c") = machine.release() else { return XCTFail("b left; c is next") }
        guard case .none = machine.release() else { return XCTFail() }
        XCTAssertEqual(machine.inUse, 0)
    }
}

final class ConcurrencyGateTests: XCTestCase {
    func testACancelledWaiterThrowsAndHoldsNoPermit() async throws {
        let gate = ConcurrencyGate(limit: 1)
        let (held, holding) = AsyncStream<Void>.makeStream()
        let (release, releaseNow) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await gate.withPermit {
                holding.yield()
                for await _ in release { break }
            }
        }
        for await _ in held { break }
        let waiter = Task { try await gate.withPermit { 1 } }
        try await waitUntil("queued") { gate.waiting == 1 }
        waiter.cancel()
        do {
            _ = try await waiter.value
            XCTFail("expected a cancellation")
        } catch is CancellationError {}
        XCTAssertEqual(gate.waiting, 0)
        releaseNow.yield()
        try await holder.value
        XCTAssertEqual(gate.inUse, 0)
        let after = try await gate.withPermit { 2 }
        XCTAssertEqual(after, 2)
    }
}

final class StopSwitchStateMachineTests: XCTestCase {
    func testAFlipResumesTheWaiterAndAnEarlyFlipEndsTheWaitAtOnce() {
        var machine = StopSwitchStateMachine<String>()
        guard case .wait = machine.wait("run") else { return XCTFail() }
        XCTAssertTrue(machine.isWaiting)
        guard case .resume("run") = machine.flip() else { return XCTFail() }
        XCTAssertFalse(machine.isWaiting)
        XCTAssertTrue(machine.isFlipped)
        guard case .none = machine.flip() else { return XCTFail("flipped once") }
        guard case .resumeNow = machine.wait("again") else { return XCTFail() }

        var early = StopSwitchStateMachine<String>()
        guard case .none = early.flip() else { return XCTFail() }
        guard case .resumeNow = early.wait("run") else { return XCTFail("flipped before run") }
    }

    func testASecondRunIsNotLeftWaiting() {
        var machine = StopSwitchStateMachine<String>()
        guard case .wait = machine.wait("first") else { return XCTFail() }
        guard case .resumeNow = machine.wait("second") else { return XCTFail() }
    }
}

final class StopSwitchTests: XCTestCase {
    /// Issue #12: a cancelled run returns (a group whose other service failed cancels it).
    func testCancellationEndsRun() async throws {
        let stopSwitch = StopSwitch()
        let run = Task { try await stopSwitch.run() }
        try await waitUntil("parked") { stopSwitch.isWaiting }
        run.cancel()
        try await run.value
        XCTAssertTrue(stopSwitch.isFlipped)
    }

    func testAFlipEndsItsGroupAndGracefulShutdownEndsRun() async throws {
        let stopSwitch = StopSwitch()
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: stopSwitch, successTerminationBehavior: .gracefullyShutdownGroup)],
                logger: Logger(label: "test.stop-switch")))
        let running = Task { try await group.run() }
        stopSwitch.flip()
        try await running.value

        let other = StopSwitch()
        let second = ServiceGroup(
            configuration: .init(services: [.init(service: other)], gracefulShutdownSignals: [], logger: Logger(label: "test.stop-switch")))
        let runningSecond = Task { try await second.run() }
        try await waitUntil("parked") { other.isWaiting }
        await second.triggerGracefulShutdown()
        try await runningSecond.value
        XCTAssertTrue(other.isFlipped, "graceful shutdown ended its wait")
    }
}

final class LastEventStateMachineTests: XCTestCase {
    typealias Machine = LastEventStateMachine<ContinuousClock>
    let start = ContinuousClock.now

    func testSilenceGrowsUntilTheIdleBoundThenTheWatchdogReconnects() {
        var machine = Machine(now: start)
        XCTAssertEqual(machine.watch(at: start + .seconds(30), idle: .seconds(120)), .checkAgain(after: .seconds(90)))
        machine.touched(at: start + .seconds(60))
        XCTAssertEqual(machine.quietFor(at: start + .seconds(100)), .seconds(40))
        XCTAssertEqual(machine.watch(at: start + .seconds(180), idle: .seconds(120)), .reconnect)
    }

    func testTimeSpentHandlingAnEventIsNotSilence() {
        var machine = Machine(now: start)
        machine.workStarted()
        XCTAssertEqual(machine.quietFor(at: start + .seconds(500)), .zero)
        XCTAssertEqual(machine.watch(at: start + .seconds(500), idle: .seconds(120)), .checkAgain(after: .seconds(120)))
        machine.touched(at: start + .seconds(501))  // a heartbeat read while busy changes nothing
        machine.workStarted()
        machine.workEnded(at: start + .seconds(502))
        XCTAssertEqual(machine.quietFor(at: start + .seconds(600)), .zero, "still busy with the first")
        machine.workEnded(at: start + .seconds(600))
        XCTAssertEqual(machine.quietFor(at: start + .seconds(610)), .seconds(10), "the silence starts when the work ends")
    }
}
