@testable import Bridge
import Foundation
import XCTest

/// The in-process halves of `pause`/`resume` and `retry --now`.
final class OperatorSwitchTests: XCTestCase {
    func testAPausedSwitchHoldsUntilResumedAndShutdownEndsTheWait() async throws {
        let sending = SendingSwitch()
        let shutdown = ShutdownSignal()
        let start = ContinuousClock.now
        let proceeded = await sending.waitWhilePaused(shutdown: shutdown)
        XCTAssertTrue(proceeded, "not paused: at once")

        sending.pause()
        let waiter = Task { await sending.waitWhilePaused(shutdown: shutdown) }
        try await Task.sleep(for: .milliseconds(50))
        sending.resume()
        let resumed = await waiter.value
        XCTAssertTrue(resumed)
        XCTAssertLessThan(ContinuousClock.now - start, .seconds(5), "woken by resume, not by a timer")

        sending.pause()
        let stopped = Task { await sending.waitWhilePaused(shutdown: shutdown) }
        shutdown.trigger()
        let ended = await stopped.value
        XCTAssertFalse(ended, "shutdown ends a paused wait with false")
    }

    func testANudgeEndsOnlyTheNamedDropsBackoff() async throws {
        let nudges = DropNudges()
        let shutdown = ShutdownSignal()
        let first = Task { await nudges.sleep(dropId: 1, for: .seconds(600), shutdown: shutdown) }
        let second = Task { await nudges.sleep(dropId: 2, for: .seconds(600), shutdown: shutdown) }
        let deadline = ContinuousClock.now + .seconds(5)
        while nudges.sleepingIds != [1, 2], ContinuousClock.now < deadline { await Task.yield() }
        XCTAssertEqual(nudges.sleepingIds, [1, 2])

        XCTAssertEqual(nudges.nudge([1, 3]), [1])
        let firstWoke = await first.value
        XCTAssertTrue(firstWoke, "a nudge lets the drop go on")
        XCTAssertEqual(nudges.sleepingIds, [2])
        XCTAssertEqual(nudges.nudge([1]), [], "no longer sleeping")

        shutdown.trigger()
        let secondWoke = await second.value
        XCTAssertFalse(secondWoke, "shutdown, not a nudge")
        XCTAssertTrue(nudges.sleepingIds.isEmpty)
    }
}
