import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import Simulator
import XMLCheck
import XCTest

/// Receipts beside the right drop: AppRecs by NHN's ids, a refusal per receiver, final
/// delivery failures, and drops whose send answer was lost proven by a notification.
final class InboundCorrelationTests: XCTestCase {
    func harness(configure: (BridgeHarness) async -> Void = { _ in }) async throws -> BridgeHarness {
        let harness = try await BridgeHarness { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = .stream
        }
        addTeardownBlock { await harness.shutdown() }
        await configure(harness)
        try await harness.start()
        return harness
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    /// Issue #8 (14): two drops with one MsgId each get their own AppRec (it used to be filed
    /// twice beside the newer drop, and the older got none).
    func testTwoDropsWithTheSameMsgIdEachGetTheirOwnAppRec() async throws {
        let harness = try await harness()
        let receipts = harness.config.folders.receipts
        try harness.drop("first", xml: try OutboxTests.msgHead(msgId: "shared-msgid", receiver: 8094866), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("first", in: harness.config.folders.sent)
        try harness.drop("second", xml: try OutboxTests.msgHead(msgId: "shared-msgid", receiver: 8094866), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("second", in: harness.config.folders.sent)
        try await harness.waitUntil("each drop has its AppRec beside it", timeout: .seconds(60)) {
            self.exists(receipts + "/first.apprec.8094866.xml") && self.exists(receipts + "/second.apprec.8094866.xml")
        }
        let first = try String(contentsOfFile: receipts + "/first.apprec.8094866.xml", encoding: .utf8)
        let second = try String(contentsOfFile: receipts + "/second.apprec.8094866.xml", encoding: .utf8)
        XCTAssertNotEqual(first, second, "two AppRecs, one per drop")
        for (name, text) in [("first", first), ("second", second)] {
            let status = try JSONDecoder().decode(StatusReceipt.self, from: Data(contentsOf: URL(fileURLWithPath: receipts + "/\(name).status.json")))
            let appRecId = try XCTUnwrap(status.receivers.first?.appRecId)
            XCTAssertTrue(text.contains(appRecId), "\(name)'s AppRec is the one its status names")
        }
        try await harness.waitUntil("nothing is left unmatched") {
            self.files(receipts + "/unmatched").filter { $0.contains(".apprec.") }.isEmpty
        }
    }

    /// Issue #8 (9): one drop to two unknown receivers: both refusals are kept.
    func testARefusalFromEachReceiverIsKept() async throws {
        let harness = try await harness()
        let receipts = harness.config.folders.receipts
        try harness.drop("to-two", xml: try OutboxTests.msgHead(msgId: "two-unknown", receiver: 9999991), sidecar: #"{"receiverHerIds":[9999991,9999992]}"#)
        try await harness.waitUntil("two refusals beside the drop", timeout: .seconds(60)) {
            self.files(receipts).filter { $0.hasPrefix("to-two.refused") }.count == 2
        }
        let names = files(receipts).filter { $0.hasPrefix("to-two.refused") }
        var receivers: Set<Int> = []
        for name in names {
            let refusal = try JSONDecoder().decode(RefusedReceipt.self, from: Data(contentsOf: URL(fileURLWithPath: receipts + "/" + name)))
            receivers.insert(try XCTUnwrap(refusal.receiverHerId))
        }
        XCTAssertEqual(receivers, [9999991, 9999992])
        XCTAssertTrue(names.contains("to-two.refused.json"), "the first keeps the contract's name: \(names)")
    }

    /// docs/nhn-edi.md §4: `Abandoned` is final for that receiver: said in the status file and counted.
    func testAnAbandonedDeliveryIsFinalAndCounted() async throws {
        let harness = try await harness { await $0.simulator.setAbandoningCounterparties([8143025]) }
        let receipts = harness.config.folders.receipts
        try harness.drop("lost", xml: try OutboxTests.msgHead(msgId: "abandoned-1", receiver: 8143025), sidecar: #"{"receiverHerIds":[8143025]}"#)
        try await harness.waitUntil("the status says Abandoned, final", timeout: .seconds(60)) {
            guard let data = FileManager.default.contents(atPath: receipts + "/lost.status.json"),
                let status = try? JSONDecoder().decode(StatusReceipt.self, from: data)
            else { return false }
            return status.receivers.first?.transportDeliveryState == "Abandoned" && status.receivers.first?.final == true
        }
        try await harness.waitUntil("counted") { try harness.ledger.finalDeliveryCounts() == ["Abandoned": 1] }
    }

    func files(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }
}

/// The handler alone against a scripted transport: a status about a message the ledger does
/// not know, while a drop waits `uncertain`, proves that drop's arrival (issue #8, 15).
final class ArrivalProofTests: XCTestCase {
    struct Transport: InboundTransport {
        var metadata: NHNMessageMetadata
        var statuses: [NHNReceiverStatus]

        func registerConfigurations(herIds: [Int]) async -> CallOutcome { .succeeded }
        func ping() async -> PingOutcome { .pong(timestampUtc: nil) }
        func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure> { .success([]) }
        func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure> {
            .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false))
        }
        func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> { .success(metadata) }
        func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure> {
            .failure(.refused(httpStatus: 404, problem: nil, reason: "none"))
        }
        func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> { .success(statuses) }
        func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome { .succeeded }
        func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome { .accepted(messageId: "x") }
    }

    func testAStatusAboutAnUnknownMessageProvesAnUncertainDrop() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("proof-\(UUID().uuidString)").path
        for folder in ["/receipts", "/.dropbridge/tmp"] {
            try FileManager.default.createDirectory(atPath: root + folder, withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let drop = try await ledger.reserve(originalName: "lost-answer", files: [], channel: "nhn", now: 1) { _ in "lost-answer" }
        try await ledger.update(id: drop.id!, now: 2) { row in
            row.state = .uncertain
            row.msgId = "msg-lost"
        }
        let messageId = UUID().uuidString.lowercased()
        let config = BridgeConfig(root: root)
        let durable = DurableFiles(config: config)
        let handler = NotificationHandler(
            transport: Transport(
                metadata: NHNMessageMetadata(id: messageId, senderHerId: 8143060, businessDocumentId: "msg-lost"),
                statuses: [NHNReceiverStatus(receiverHerId: 8094866, transportDeliveryState: "Acknowledged", sent: true, apprecInfo: nil)]),
            ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.proof"))
        try await handler.handle(
            NHNNotification(relatedMessageId: messageId, type: "MessageDeliveryStateUpdated", notificationReceiverHerId: 8143060, offset: 9),
            waitForOwnSends: false)

        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/receipts/lost-answer.status.json"), "beside the drop, not unmatched")
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/receipts/unmatched"))
        let proven = try XCTUnwrap(try ledger.drop(id: drop.id!))
        XCTAssertEqual(proven.state, .accepted)
        XCTAssertEqual(proven.messageId, messageId)
    }
}

/// docs/nhn-edi.md §3.3: more than 1,500 HER-ids are read in batches of 1,500, each with its own offset.
final class HerIdBatchTests: XCTestCase {
    final class PagingTransport: InboundTransport, @unchecked Sendable {
        /// Guarded by `lock`.
        private var asked: [[Int]] = []
        private let lock = NSLock()
        var batchesAsked: [[Int]] { lock.withLock { asked } }

        func registerConfigurations(herIds: [Int]) async -> CallOutcome { .succeeded }
        func ping() async -> PingOutcome { .pong(timestampUtc: nil) }
        func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure> {
            lock.withLock { asked.append(herIds) }
            // One notification of an unknown type per batch, at an offset of its own.
            let next = Int64(herIds.count == 1500 ? 100 : 200)
            return .success(offset < next ? [NHNNotification(type: "Unknown", offset: next)] : [])
        }
        func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure> {
            .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false))
        }
        func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> { .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false)) }
        func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure> { .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false)) }
        func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> { .success([]) }
        func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome { .succeeded }
        func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome { .accepted(messageId: "x") }
    }

    func testMoreThan1500HerIdsAreReadInBatchesWithAnOffsetEach() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("batches-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let durable = DurableFiles(config: BridgeConfig(root: root))
        let transport = PagingTransport()
        let herIds = Array(1_000_001...1_001_501)
        let handler = NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.batches"))
        let service = ReceiveService(
            herIds: herIds, mode: .poll, pollInterval: .milliseconds(100), transport: transport, handler: handler, ledger: ledger,
            logger: Logger(label: "test.batches"), registrations: AlreadyRegistered())
        let running = Task { try await service.run() }
        defer { running.cancel() }
        try await waitUntil("each batch has its own offset", timeout: .seconds(20)) {
            try ledger.receiveOffset(herIds: Array(herIds.prefix(1500))) == 100 && ledger.receiveOffset(herIds: [1_001_501]) == 200
        }
        XCTAssertTrue(transport.batchesAsked.allSatisfy { $0.count <= 1500 })
        XCTAssertEqual(Set(transport.batchesAsked.map(\.count)), [1500, 1])
        try await waitForQueueToDrain(ledger)
        running.cancel()
        _ = try? await running.value
    }

    private func waitForQueueToDrain(_ ledger: Ledger) async throws {
        try await waitUntil("the unknown types are skipped") { try ledger.pendingNotifications().isEmpty }
        XCTAssertEqual(try ledger.queuedNotification(offset: 100)?.state, .done)
        XCTAssertEqual(try ledger.queuedNotification(offset: 200)?.state, .done)
    }
}

/// Issue #8 (5): our automatic AppRec is recorded as sending before its POST, and one sent
/// again after an answer that may have arrived is counted.
final class AutoAppRecRecordTests: XCTestCase {
    final class AppRecTransport: InboundTransport, @unchecked Sendable {
        let document: [UInt8]
        /// Guarded by `lock`.
        private var posts = 0
        private let lock = NSLock()
        var appRecPosts: Int { lock.withLock { posts } }

        init(document: [UInt8]) { self.document = document }

        func registerConfigurations(herIds: [Int]) async -> CallOutcome { .succeeded }
        func ping() async -> PingOutcome { .pong(timestampUtc: nil) }
        func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure> { .success([]) }
        func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure> {
            .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false))
        }
        func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> {
            .success(NHNMessageMetadata(id: id, senderHerId: 8094866, receiverHerIds: [8143060]))
        }
        func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure> { .success(document) }
        func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> { .success([]) }
        func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome { .succeeded }
        func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome {
            let attempt = lock.withLock {
                posts += 1
                return posts
            }
            // The first answer is lost on the way back (a 502 after NHN may have taken it).
            return attempt == 1 ? .transient(reason: "502", retryAfter: nil, requestMayHaveArrived: true) : .accepted(messageId: "apprec-1")
        }
    }

    func testAnAppRecSentAgainAfterALostAnswerIsCounted() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("autoapprec-\(UUID().uuidString)").path
        for folder in ["/inbox", "/receipts", "/.dropbridge/tmp"] {
            try FileManager.default.createDirectory(atPath: root + folder, withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let durable = DurableFiles(config: BridgeConfig(root: root))
        let transport = AppRecTransport(document: try OutboxTests.msgHead(msgId: "answer-me", sender: 8094866, receiver: 8143060))
        let handler = NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.autoapprec"), autoAppRec: true)
        let id = UUID().uuidString.lowercased()
        let notification = NHNNotification(relatedMessageId: id, type: "NewMessage", notificationReceiverHerId: 8143060, offset: 1)
        do {
            try await handler.handle(notification)
            XCTFail("the lost answer is trouble to retry")
        } catch let trouble as InboundTrouble {
            XCTAssertFalse(trouble.permanent)
        }
        XCTAssertNil(try ledger.inbound(messageId: id)?.appRecSentAt)
        XCTAssertEqual(try ledger.inboundAppRecPossibleDuplicates(), 0)
        try await handler.handle(notification)
        XCTAssertNotNil(try ledger.inbound(messageId: id)?.appRecSentAt)
        XCTAssertEqual(transport.appRecPosts, 2)
        XCTAssertEqual(try ledger.inboundAppRecPossibleDuplicates(), 1, "the second POST may have duplicated the first")
        try await handler.handle(notification)
        XCTAssertEqual(transport.appRecPosts, 2, "answered once it is recorded")
    }
}

/// Registration is not what the batch test is about: every HER-id counts as registered.
private struct AlreadyRegistered: SenderRegistration {
    func isRegistered(_ herId: Int) -> Bool { true }
    func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait { .registered }
    func registrationLost(_ herId: Int) async {}
}
