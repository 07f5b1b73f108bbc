@testable import Bridge
import DropFolder
import DropbridgeCore
import XCTest

/// The backlog window: decisions wait as decisions, and only `limit` drops are claimed at once.
final class ClaimQueueTests: XCTestCase {
    func decisions(_ range: Range<Int>) -> [PairingDecision] {
        range.map { .orphan(name: DropName("d\($0)"), files: [], reason: "test") }
    }

    func names(_ decisions: [PairingDecision]) -> [String] { decisions.map(\.name.safe) }

    func testTakesOldestFirstUpToTheRoomBesideTheDropsInFlight() {
        var queue = ClaimQueue(limit: 4, capacity: 100)
        XCTAssertEqual(queue.add(decisions(0..<10)), [])
        XCTAssertEqual(names(queue.take(inFlight: 1)), ["d0", "d1", "d2"])
        XCTAssertEqual(queue.take(inFlight: 4), [])
        XCTAssertEqual(queue.take(inFlight: 9), [], "more in flight than the limit takes nothing")
        XCTAssertEqual(names(queue.take(inFlight: 0)), ["d3", "d4", "d5", "d6"])
        XCTAssertEqual(queue.count, 3)
        XCTAssertEqual(queue.add(decisions(10..<11)), [])
        XCTAssertEqual(names(queue.take(inFlight: 0)), ["d7", "d8", "d9", "d10"])
        XCTAssertEqual(queue.count, 0)
    }

    func testDecisionsBeyondTheCapacityAreHandedBackToBeForgotten() {
        var queue = ClaimQueue(limit: 2, capacity: 3)
        XCTAssertEqual(names(queue.add(decisions(0..<5))), ["d3", "d4"])
        XCTAssertEqual(queue.count, 3)
        _ = queue.take(inFlight: 0)
        XCTAssertEqual(names(queue.add(decisions(5..<8))), ["d7"])
        XCTAssertEqual(names(queue.take(inFlight: 0)), ["d2", "d5"])
    }

    func testALongBacklogKeepsItsOrderAcrossCompaction() {
        var queue = ClaimQueue(limit: 700, capacity: 5_000)
        _ = queue.add(decisions(0..<3_000))
        var taken: [String] = []
        while queue.count > 0 { taken += names(queue.take(inFlight: 0)) }
        XCTAssertEqual(taken, (0..<3_000).map { "d\($0)" })
    }

    func testTheLoopIsWokenOnceWhenHalfTheWindowHasFinished() async {
        let wakeups = Wakeups()
        let inFlight = ClaimedInFlight(limit: 4, wakeups: wakeups)
        inFlight.add(4)
        inFlight.finished()
        XCTAssertEqual(inFlight.value, 3)
        let early = await wakeups.wait(timeout: .milliseconds(1))
        XCTAssertTrue(early.timedOut, "3 of 4 still in flight: no wake-up yet")
        inFlight.finished()
        inFlight.finished()
        let woken = await wakeups.wait(timeout: .seconds(5))
        XCTAssertFalse(woken.timedOut)
        XCTAssertEqual(inFlight.value, 1)
    }
}
