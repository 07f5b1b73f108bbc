import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Simulator
import XCTest

/// Receiving through the ledger's notification queue: no single message can hold up the others,
/// permanent trouble is quarantined where an operator sees it, and `retry --message` brings it
/// back into the running daemon.
final class InboundQueueTests: XCTestCase {
    static let own = 8143060
    static let foreign = 8094866

    func harness(_ mode: BridgeConfig.ReceiveMode = .stream) async throws -> BridgeHarness {
        let harness = try await BridgeHarness { config in
            config.nhn.herIds = [Self.own]
            config.nhn.receive = mode
            config.nhn.pollSeconds = 1
        }
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        return harness
    }

    @discardableResult
    func inject(_ harness: BridgeHarness, msgId: String, messageId: String? = nil) async throws -> String {
        try await harness.simulator.inject(
            InjectRequest(
                senderHerId: Self.foreign, receiverHerIds: [Self.own],
                document: String(decoding: try OutboxTests.msgHead(msgId: msgId, sender: Self.foreign, receiver: Self.own), as: UTF8.self),
                messageId: messageId))
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// 40 messages injected after the stuck one all arrive and are marked downloaded.
    func waitForTheOthers(_ harness: BridgeHarness, _ ids: [String]) async throws {
        let inbox = harness.config.folders.inbox
        try await harness.waitUntil("all 40 other messages are in inbox/ and marked downloaded", timeout: .seconds(90)) {
            let marks = await harness.simulator.downloadedMarks()
            return ids.allSatisfy { marks[$0] == [Self.own] && self.exists(inbox + "/\($0).json") }
        }
    }

    func testADocumentThatAlwaysAnswers404IsQuarantinedHoldsUpNoOtherAndCanBeRetried() async throws {
        let harness = try await harness()
        let stuck = UUID().uuidString.lowercased()
        await harness.simulator.setMessageFault(MessageFault(documentStatus: 404), for: stuck)
        try await inject(harness, msgId: "stuck-404", messageId: stuck)
        var others: [String] = []
        for index in 0..<40 { others.append(try await inject(harness, msgId: "after-404-\(index)")) }
        try await waitForTheOthers(harness, others)

        let problemFile = harness.config.folders.receipts + "/unmatched/\(stuck).problem.json"
        try await harness.waitUntil("the stuck message is quarantined") {
            try harness.ledger.quarantinedNotifications().map(\.operatorKey) == [stuck] && self.exists(problemFile)
        }
        let problem = try JSONDecoder().decode(InboundProblem.self, from: Data(contentsOf: URL(fileURLWithPath: problemFile)))
        XCTAssertEqual(problem.messageId, stuck)
        XCTAssertEqual(problem.type, "NewMessage")
        XCTAssertTrue(problem.reason.contains("404"), problem.reason)
        XCTAssertFalse(exists(harness.config.folders.inbox + "/\(stuck).xml"))
        let marks = await harness.simulator.downloadedMarks()
        XCTAssertNil(marks[stuck], "never marked downloaded")

        // The operator sees it in `status`, fixes the cause and retries it: the running daemon
        // picks it up without a restart.
        let config = harness.root + "/dropbridge.yaml"
        try "root: \(harness.root)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let status = try CommandLineTests.dropbridge(["status", "--config", config])
        XCTAssertEqual(status.status, 1, "a quarantined message needs an operator: exit 1 (\(status.error))")
        XCTAssertTrue(status.output.contains("QUARANTINED \(stuck)"), status.output)
        let json = try CommandLineTests.dropbridge(["status", "--config", config, "--json"])
        let report = try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any]
        let listed = (report?["quarantined"] as? [[String: Any]])?.compactMap { $0["key"] as? String }
        XCTAssertEqual(listed, [stuck], json.output)

        await harness.simulator.setMessageFault(nil, for: stuck)
        XCTAssertEqual(try CommandLineTests.dropbridge(["retry", "--config", config, "--message", "not-quarantined"]).status, 1)
        let retry = try CommandLineTests.dropbridge(["retry", "--config", config, "--message", stuck])
        XCTAssertEqual(retry.status, 0, retry.error)
        XCTAssertFalse(exists(problemFile), "the problem file goes with the retry")
        try await harness.waitUntil("the retried message arrives", timeout: .seconds(30)) {
            let marks = await harness.simulator.downloadedMarks()
            return marks[stuck] == [Self.own] && self.exists(harness.config.folders.inbox + "/\(stuck).json")
        }
        XCTAssertEqual(try harness.ledger.quarantinedNotifications(), [])
    }

    func testADocumentThatAlwaysAnswers503IsRetriedForItselfWhileTheOthersArrive() async throws {
        let harness = try await harness(.poll)
        let stuck = UUID().uuidString.lowercased()
        await harness.simulator.setMessageFault(MessageFault(documentStatus: 503), for: stuck)
        try await inject(harness, msgId: "stuck-503", messageId: stuck)
        var others: [String] = []
        for index in 0..<40 { others.append(try await inject(harness, msgId: "after-503-\(index)")) }
        try await waitForTheOthers(harness, others)
        try await harness.waitUntil("the stuck one was tried more than once, with its own backoff") {
            let pending = try harness.ledger.pendingNotifications()
            return pending.count == 1 && pending[0].relatedMessageId == stuck && pending[0].attempts >= 2
        }
        let pending = try harness.ledger.pendingNotifications()
        XCTAssertTrue(pending.first?.lastError?.contains("503") ?? false, "\(pending)")
        XCTAssertEqual(try harness.ledger.quarantinedNotifications(), [], "transient trouble is never quarantined")
        let last = await harness.simulator.notifications().filter { $0.notificationReceiverHerId == Self.own }.map(\.offset).max()
        XCTAssertEqual(try harness.ledger.receiveOffset(herIds: [Self.own]), last, "the offset did not wait for the stuck message")

        await harness.simulator.setMessageFault(nil, for: stuck)
        try await harness.waitUntil("it arrives once NHN can give it out", timeout: .seconds(30)) {
            await harness.simulator.downloadedMarks()[stuck] == [Self.own]
        }
        // The queue item is finished just after the mark (the mark is its last effect).
        try await harness.waitUntil("the queue is empty") { try harness.ledger.pendingNotifications().isEmpty }
    }

    /// A document that is not base64 and an inbox name taken by another file are permanent
    /// trouble too; the stream refused with 423 before any event is polled around.
    func testAnUndecodableDocumentAndAnInboxCollisionAreQuarantined() async throws {
        let harness = try await harness()
        await harness.simulator.setStreamSettings(StreamSettings(heartbeatSeconds: 1, refuseWithStatus: 423))
        let garbled = UUID().uuidString.lowercased()
        let collides = UUID().uuidString.lowercased()
        await harness.simulator.setMessageFault(MessageFault(documentNotBase64: true), for: garbled)
        try Data("someone else's file".utf8).write(to: URL(fileURLWithPath: harness.config.folders.inbox + "/\(collides).xml"))
        try await inject(harness, msgId: "garbled", messageId: garbled)
        try await inject(harness, msgId: "collides", messageId: collides)
        let fine = try await inject(harness, msgId: "fine")
        try await harness.waitUntil("both are quarantined and the third arrives", timeout: .seconds(60)) {
            let quarantined = Set(try harness.ledger.quarantinedNotifications().map(\.operatorKey))
            return quarantined == [garbled, collides] && self.exists(harness.config.folders.inbox + "/\(fine).json")
        }
        let reasons = try harness.ledger.quarantinedNotifications().compactMap(\.lastError).joined(separator: " | ")
        XCTAssertTrue(reasons.contains("base64"), reasons)
        XCTAssertTrue(reasons.contains("not overwritten"), reasons)
        XCTAssertEqual(
            try String(contentsOfFile: harness.config.folders.inbox + "/\(collides).xml", encoding: .utf8), "someone else's file",
            "never clobbered")
    }

    /// A `relatedMessageId` that is no GUID cannot be fetched: quarantined under its offset.
    func testANotificationWithAGarbledMessageIdIsQuarantined() async throws {
        let harness = try await harness()
        let ledger = try harness.ledger
        let now = Timestamp.now()
        // Recorded as the reader records it; the worker notices it at its next look.
        try await ledger.enqueueNotifications(
            [
                QueuedNotification(
                    offset: 7, herIds: Ledger.offsetKey([Self.own]), notificationId: nil, type: "NewMessage",
                    relatedMessageId: "../../etc/passwd", notificationReceiverHerId: Self.own, notificationTriggeredByHerId: nil,
                    description: nil, createdAt: nil, queuedAt: now),
                QueuedNotification(
                    offset: 8, herIds: Ledger.offsetKey([Self.own]), notificationId: nil, type: "SomethingNew",
                    relatedMessageId: nil, notificationReceiverHerId: Self.own, notificationTriggeredByHerId: nil,
                    description: nil, createdAt: nil, queuedAt: now),
            ], offset: 0, herIds: [Self.own], now: now)
        try await harness.waitUntil("quarantined, and the unknown type skipped", timeout: .seconds(20)) {
            try harness.ledger.quarantinedNotifications().map(\.offset) == [7] && harness.ledger.pendingNotifications().isEmpty
        }
        XCTAssertEqual(try ledger.queuedNotification(offset: 8)?.state, .done, "an unknown type is recorded and skipped")
        let problems = harness.files(in: harness.config.folders.receipts + "/unmatched")
        XCTAssertEqual(problems, ["offset-7.problem.json"], "named by its offset, never by the garbled id")
        XCTAssertEqual(harness.files(in: harness.config.folders.inbox), [])
    }
}
