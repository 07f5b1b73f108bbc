import DropbridgeCore
import Foundation
import Ledger
import XCTest

/// `proveArrival`: only an uncertain drop with the MsgId is settled by NHN's word, the oldest first.
final class ArrivalTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("arrival-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func drop(_ ledger: Ledger, _ name: String, msgId: String, state: DropState) async throws -> DropRecord {
        let reserved = try await ledger.reserve(originalName: name, files: ["document.xml"], channel: "nhn", now: 1) { _ in name }
        return try await ledger.update(id: reserved.id!, now: 2) { row in
            row.msgId = msgId
            row.state = state
        }
    }

    func testTheOldestUncertainDropWithTheMsgIdIsAccepted() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        _ = try await drop(ledger, "sending", msgId: "m-1", state: .sending)
        let first = try await drop(ledger, "first", msgId: "m-1", state: .uncertain)
        let second = try await drop(ledger, "second", msgId: "m-1", state: .uncertain)
        XCTAssertTrue(try ledger.hasUncertainDrops())

        let proved = try await ledger.proveArrival(msgId: "m-1", messageId: "nhn-1", now: 10)
        XCTAssertEqual(proved?.id, first.id)
        XCTAssertEqual(proved?.state, .accepted)
        XCTAssertEqual(try ledger.drop(id: first.id!)?.messageId, "nhn-1")
        XCTAssertEqual(try ledger.drop(id: first.id!)?.acceptedAt, 10)

        // The same message again proves nothing more.
        let again = try await ledger.proveArrival(msgId: "m-1", messageId: "nhn-1", now: 11)
        XCTAssertNil(again)
        XCTAssertEqual(try ledger.drop(id: second.id!)?.state, .uncertain)

        // Another message with the same MsgId settles the next one.
        let next = try await ledger.proveArrival(msgId: "m-1", messageId: "nhn-2", now: 12)
        XCTAssertEqual(next?.id, second.id)
        XCTAssertFalse(try ledger.hasUncertainDrops())
        let unknown = try await ledger.proveArrival(msgId: "m-2", messageId: "nhn-3", now: 13)
        XCTAssertNil(unknown)
    }
}
