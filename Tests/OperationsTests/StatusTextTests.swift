@testable import Operations
import XCTest

/// How `status` words a batch's last event: the daemon notes one at most once a minute, so
/// the words never claim more precision than that (the demo showed "last event 22 s ago"
/// while notifications had arrived 4 s before).
final class StatusTextTests: XCTestCase {
    func testTheLastEventIsToldNoMorePreciselyThanItIsNoted() {
        XCTAssertEqual(StatusText.eventAge(0), "under a minute ago")
        XCTAssertEqual(StatusText.eventAge(59), "under a minute ago")
        XCTAssertEqual(StatusText.eventAge(90), "1–2 min ago")
        XCTAssertEqual(StatusText.eventAge(600), "about 10 min ago")
        XCTAssertEqual(StatusText.eventAge(3 * 3600), "about 3 h ago")
    }
}
