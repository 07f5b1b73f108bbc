import Foundation
import Ledger
import XCTest

/// The inbound queue in the ledger: what the reader records, what the worker finds.
final class NotificationQueueTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("queue-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func item(_ offset: Int64, _ type: String = "NewMessage", message: String? = nil, at now: Double = 1) -> QueuedNotification {
        QueuedNotification(
            offset: offset, herIds: "1", notificationId: nil, type: type, relatedMessageId: message ?? UUID().uuidString.lowercased(),
            notificationReceiverHerId: 1, notificationTriggeredByHerId: nil, description: nil, createdAt: nil, queuedAt: now)
    }

    func testABatchAndItsOffsetAreOneCommitAndRepeatsAreSkipped() async throws {
        let path = folder + "/ledger.sqlite"
        let repeated = UUID().uuidString.lowercased()
        do {
            let ledger = try Ledger(path: path)
            let added = try await ledger.enqueueNotifications(
                [item(10, message: repeated), item(12, "MessageDeliveryStateUpdated")], offset: 12, herIds: [1], now: 1)
            XCTAssertEqual(added, 2)
            XCTAssertEqual(try ledger.receiveOffset(herIds: [1]), 12)
            // The stream read again from an older offset, and NHN repeating a NewMessage under a
            // new offset (docs/nhn-edi.md §3.3): neither is queued twice.
            let again = try await ledger.enqueueNotifications([item(12, "MessageDeliveryStateUpdated"), item(15, message: repeated)], offset: 15, herIds: [1], now: 2)
            XCTAssertEqual(again, 0)
            XCTAssertEqual(try ledger.receiveOffset(herIds: [1]), 15, "the offset moves past skipped ones too")
        }
        // Durable: a new process finds the work.
        let reopened = try Ledger(path: path)
        XCTAssertEqual(try reopened.pendingNotifications().map(\.offset), [10, 12])
    }

    func testANewMessageAlreadyReceivedIsNotQueued() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let id = UUID().uuidString.lowercased()
        try await ledger.recordInbound(
            InboundRecord(messageId: id, receiverHerId: 1, senderHerId: 2, msgId: nil, messageType: nil, kind: "business", fileName: "x", valid: true, receivedAt: 1))
        let added = try await ledger.enqueueNotifications([item(3, message: id)], offset: 3, herIds: [1], now: 1)
        XCTAssertEqual(added, 0)
        XCTAssertEqual(try ledger.pendingNotifications(), [])
    }

    func testPostponeQuarantineAndRetry() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let id = UUID().uuidString.lowercased()
        try await ledger.enqueueNotifications([item(1, message: id), item(2, message: "garbled"), item(3)], offset: 3, herIds: [1], now: 1)
        try await ledger.postponeNotification(offset: 1, failed: true, nextAttemptAt: 50, lastError: "503", now: 2)
        try await ledger.postponeNotification(offset: 1, failed: false, nextAttemptAt: 60, lastError: "503", now: 3)
        var first = try XCTUnwrap(try ledger.queuedNotification(offset: 1))
        XCTAssertEqual(first.attempts, 1, "a wait for our own send is no failed attempt")
        XCTAssertEqual(first.nextAttemptAt, 60)
        try await ledger.quarantineNotification(offset: 1, reason: "404", now: 4)
        try await ledger.quarantineNotification(offset: 2, reason: "not a GUID", now: 4)
        try await ledger.finishNotification(offset: 3, now: 4)
        XCTAssertEqual(try ledger.pendingNotifications(), [])
        XCTAssertEqual(try ledger.quarantinedNotifications().map(\.operatorKey), [id, "offset-2"])

        XCTAssertEqual(try ledger.retryQuarantined(keys: [id], now: 9).map(\.offset), [1])
        first = try XCTUnwrap(try ledger.queuedNotification(offset: 1))
        XCTAssertEqual(first.state, .pending)
        XCTAssertEqual(first.attempts, 0)
        XCTAssertEqual(first.nextAttemptAt, 9)
        XCTAssertEqual(try ledger.retryQuarantined(keys: nil, now: 10).map(\.offset), [2])
        XCTAssertEqual(try ledger.quarantinedNotifications(), [])
        // Only done items are pruned, and only old ones.
        let pruned = try await ledger.pruneFinishedNotifications(before: 5)
        XCTAssertEqual(pruned, 1)
        XCTAssertNil(try ledger.queuedNotification(offset: 3))
        XCTAssertEqual(try ledger.pendingNotifications().map(\.offset), [1, 2])
    }

    func testAutoAppRecSendingIsRecordedFirstAndARepeatIsCounted() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let id = UUID().uuidString.lowercased()
        try await ledger.recordInbound(
            InboundRecord(messageId: id, receiverHerId: 1, senderHerId: 2, msgId: nil, messageType: nil, kind: "business", fileName: "x", valid: true, receivedAt: 1))
        let first = try await ledger.markInboundAppRecSending(messageId: id, now: 2)
        XCTAssertFalse(first)
        // A crash (or a lost answer) before the answer was recorded: the next attempt may repeat it.
        let second = try await ledger.markInboundAppRecSending(messageId: id, now: 3)
        XCTAssertTrue(second)
        XCTAssertEqual(try ledger.inboundAppRecPossibleDuplicates(), 1)
        try await ledger.clearInboundAppRecSending(messageId: id)
        let third = try await ledger.markInboundAppRecSending(messageId: id, now: 4)
        XCTAssertFalse(third, "an attempt that never left is no duplicate")
        XCTAssertEqual(try ledger.inboundAppRecPossibleDuplicates(), 1)
    }

    func testAnAppRecIdNamedInAStatusLeadsToItsDrop() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let first = try await ledger.reserve(originalName: "a", files: [], channel: "nhn", now: 1) { _ in "a" }
        let second = try await ledger.reserve(originalName: "b", files: [], channel: "nhn", now: 1) { _ in "b" }
        for (drop, messageId) in [(first, "m-a"), (second, "m-b")] {
            try await ledger.update(id: drop.id!, now: 2) { row in
                row.state = .accepted
                row.msgId = "same-msgid"
                row.messageId = messageId
            }
        }
        XCTAssertEqual(try ledger.acceptedDrops(msgId: "same-msgid").count, 2, "ambiguous by MsgId")
        try await ledger.linkAppRec("apprec-b", toDrop: second.id!, receiverHerId: 7, now: 3)
        try await ledger.linkAppRec("apprec-b", toDrop: first.id!, receiverHerId: 7, now: 4)
        XCTAssertEqual(try ledger.dropAnswered(byAppRec: "apprec-b")?.name, "b", "the first link stands")
        XCTAssertNil(try ledger.dropAnswered(byAppRec: "apprec-x"))
    }
}
