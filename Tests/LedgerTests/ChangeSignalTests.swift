import Ledger
import XCTest

/// The change signal's bookkeeping as a value, every transition; then the shell.
final class ChangeSignalStateTests: XCTestCase {
    func testAWaiterThatSawTheCurrentGenerationParksAndAChangeResumesIt() {
        var state = ChangeSignalState()
        XCTAssertEqual(state.wait(1, after: 0), .park)
        XCTAssertEqual(state.wait(2, after: 0), .park)
        XCTAssertEqual(state.parkedCount, 2)
        XCTAssertEqual(state.changed(), [1, 2], "every parked waiter is resumed")
        XCTAssertEqual(state.generation, 1)
        XCTAssertEqual(state.parkedCount, 0)
        XCTAssertEqual(state.changed(), [], "a change with nobody waiting resumes nobody")
    }

    func testAWaiterThatMissedAChangeGoesOnAtOnce() {
        var state = ChangeSignalState()
        _ = state.changed()
        XCTAssertEqual(state.wait(1, after: 0), .resume, "the change came between its check and its wait")
        XCTAssertEqual(state.parkedCount, 0)
    }

    func testCancellingAParkedWaiterResumesItOnceAndAResumedOneNot() {
        var state = ChangeSignalState()
        XCTAssertEqual(state.wait(1, after: 0), .park)
        XCTAssertTrue(state.cancel(1), "parked: the canceller resumes it")
        XCTAssertFalse(state.cancel(1), "already gone")
        XCTAssertEqual(state.changed(), [])
        XCTAssertEqual(state.wait(2, after: 1), .park)
        XCTAssertEqual(state.changed(), [2])
        XCTAssertFalse(state.cancel(2), "the change resumed it already")
    }
}

final class ChangeSignalTests: XCTestCase {
    private func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out: \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func testAChangeWakesEveryWaiter() async throws {
        let signal = ChangeSignal()
        let seen = signal.generation
        let waiters = (0..<3).map { _ in Task { await signal.wait(after: seen) } }
        try await waitUntil("all parked") { signal.waiting == 3 }
        signal.changed()
        for waiter in waiters { await waiter.value }
        XCTAssertEqual(signal.waiting, 0)
    }

    func testACancelledWaiterLeaves() async throws {
        let signal = ChangeSignal()
        let waiter = Task { await signal.wait(after: signal.generation) }
        try await waitUntil("parked") { signal.waiting == 1 }
        waiter.cancel()
        await waiter.value
        XCTAssertEqual(signal.waiting, 0)
    }
}
