import Foundation
import Ledger
import XCTest

final class InboundLedgerTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("inbound-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testTheOffsetOnlyGrowsAndSurvivesReopening() async throws {
        let path = folder + "/ledger.sqlite"
        do {
            let ledger = try Ledger(path: path)
            XCTAssertNil(try ledger.receiveOffset(herIds: [2, 1]))
            try await ledger.saveReceiveOffset(5_000_000_000_017, herIds: [2, 1], now: 1)
            try await ledger.saveReceiveOffset(12, herIds: [1, 2], now: 2)
            XCTAssertEqual(try ledger.receiveOffset(herIds: [1, 2]), 5_000_000_000_017, "64-bit, and never moved back")
            XCTAssertNil(try ledger.receiveOffset(herIds: [1]), "a different set of HER-ids has its own offset")
        }
        XCTAssertEqual(try Ledger(path: path).receiveOffset(herIds: [1, 2]), 5_000_000_000_017)
    }

    func testLookingUpASentMessageSeesASendInFlightOrItsAnswerInOneRead() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let drop = try await ledger.reserve(originalName: "d", files: [], channel: "nhn", now: 1) { _ in "d" }
        var found = try ledger.lookUpSent(messageId: "nhn-1")
        XCTAssertNil(found.drop)
        XCTAssertFalse(found.sendsInFlight)
        try await ledger.update(id: drop.id!, now: 2) { row in
            row.state = .sending
            row.msgId = "m-1"
        }
        found = try ledger.lookUpSent(messageId: "nhn-1")
        XCTAssertTrue(found.sendsInFlight, "a notification may come before the answer is recorded")
        try await ledger.update(id: drop.id!, now: 3) { row in
            row.state = .accepted
            row.messageId = "nhn-1"
        }
        found = try ledger.lookUpSent(messageId: "nhn-1")
        XCTAssertEqual(found.drop?.name, "d")
        XCTAssertFalse(found.sendsInFlight)
        XCTAssertEqual(try ledger.lookUpSent(msgId: "m-1").drop?.name, "d")
        XCTAssertNil(try ledger.lookUpSent(msgId: "other").drop)
    }

    func testAMessageIsRecordedOnceAndThenMarkedDownloaded() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let record = InboundRecord(
            messageId: "m-1", receiverHerId: 8143060, senderHerId: 8094866, msgId: "x", messageType: "DIALOG_NOTAT",
            kind: "business", fileName: "m-1.xml", valid: true, receivedAt: 10)
        let first = try await ledger.recordInbound(record)
        var again = record
        again.fileName = "other.xml"
        let second = try await ledger.recordInbound(again)
        XCTAssertTrue(first)
        XCTAssertFalse(second, "a repeated notification has no second effect")
        XCTAssertEqual(try ledger.inbound(messageId: "m-1")?.fileName, "m-1.xml")
        XCTAssertEqual(try ledger.inboundNotYetDownloaded().map(\.messageId), ["m-1"])
        try await ledger.markInboundDownloaded(messageId: "m-1", at: 11)
        XCTAssertEqual(try ledger.inboundNotYetDownloaded(), [])
        XCTAssertEqual(try ledger.inbound(messageId: "m-1")?.downloadedAt, 11)
    }
}
