@testable import Bridge
import NHNClient
import XCTest

/// The registration state as a plain value.
final class RegistrationBookTests: XCTestCase {
    func testARememberedRegistrationIsUsableAtOnceAndStaysSoWhenTheStartUpRenewalIsRefused() {
        var book = RegistrationBook(remembered: [1])
        XCTAssertTrue(book.isRegistered(1))
        book.startUp(1)
        XCTAssertTrue(book.isRegistered(1), "registered again in the background; usable meanwhile")
        book.refused(1, .locked(problem: nil, reason: "423"))
        XCTAssertTrue(book.isRegistered(1))
    }

    func testANeedStartsOneRegistrationAndARefusalIsTriedAgainByTheNextNeed() {
        var book = RegistrationBook()
        XCTAssertTrue(book.need(2))
        XCTAssertFalse(book.need(2), "one registration under way is enough")
        let refusal = CallFailure.refused(httpStatus: 403, problem: nil, reason: "403")
        book.refused(2, refusal)
        XCTAssertEqual(book.status(2), .refused(refusal))
        XCTAssertTrue(book.need(2))
        book.succeeded(2)
        XCTAssertTrue(book.isRegistered(2))
        XCTAssertFalse(book.need(2))
    }

    func testALostRegistrationIsMadeAgainOnce() {
        var book = RegistrationBook(remembered: [3])
        XCTAssertTrue(book.lost(3))
        XCTAssertFalse(book.isRegistered(3))
        XCTAssertFalse(book.lost(3), "already being registered again")
        XCTAssertFalse(book.need(3))
    }
}
