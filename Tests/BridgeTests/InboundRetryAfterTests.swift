@testable import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import Synchronization
import XCTest
import XMLCheck

/// `Retry-After` on a 429/503 to the inbound side's calls is waited out, as it is for sends:
/// reading notifications, handling one, and registering do not come back sooner.
final class InboundRetryAfterTests: XCTestCase {
    /// Polls answer 503 with `Retry-After: 2` first, then an empty page; records when.
    final class Transport: InboundTransport {
        private let polls = Mutex<[ContinuousClock.Instant]>([])
        var pollTimes: [ContinuousClock.Instant] { polls.withLock { $0 } }

        func ping() async -> PingOutcome { .pong(timestampUtc: nil) }
        func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure> {
            let first = polls.withLock { times in
                times.append(.now)
                return times.count == 1
            }
            guard first else { return .success([]) }
            return .failure(.transient(reason: "HTTP 503", retryAfter: .seconds(2), requestMayHaveArrived: false))
        }
        func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure> {
            .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false))
        }
        func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> {
            .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false))
        }
        func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure> {
            .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false))
        }
        func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> { .success([]) }
        func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome { .succeeded }
        func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome { .accepted(messageId: "x") }
    }

    func testAPollAnswered503WithRetryAfterIsNotRepeatedSooner() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("retry-after-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let durable = DurableFiles(config: BridgeConfig(root: root))
        let transport = Transport()
        let handler = NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.retry-after"))
        // Backoff alone would poll again within 0.2 s.
        let service = ReceiveService(
            herIds: [8143060], mode: .poll, pollInterval: .milliseconds(100), transport: transport, handler: handler, ledger: ledger,
            logger: Logger(label: "test.retry-after"), maxBackoffSeconds: 0.2, registrations: AlwaysRegistered())
        let running = Task { try await service.run() }
        defer { running.cancel() }
        try await DaemonFixture.waitUntil("polled again after the 503", timeout: .seconds(20)) { transport.pollTimes.count >= 2 }
        let times = transport.pollTimes
        XCTAssertGreaterThanOrEqual(times[1] - times[0], .seconds(2), "Retry-After: 2 was waited out")
        running.cancel()
        _ = await running.result
    }

    /// A notification whose call was answered with `Retry-After` is put off at least that long.
    func testAQueuedNotificationWaitsAtLeastRetryAfter() {
        let backoff = RetryPolicy(initialSeconds: 1, maxSeconds: 30)
        let asked = QueueOutcome.failed(reason: "HTTP 429", retryAfter: 120)
        XCTAssertEqual(asked.retryDelay(attempts: 0, backoff: backoff, random: 1), 120)
        let notAsked = QueueOutcome.failed(reason: "HTTP 503")
        XCTAssertEqual(notAsked.retryDelay(attempts: 0, backoff: backoff, random: 1), 1)
    }

    /// The handler hands the wait NHN asked for on to the queue.
    func testTheHandlerPassesRetryAfterOn() async throws {
        let transport = FakeInboundTransport()
        transport.script {
            $0.metadata["733be787-0ad0-475a-98b7-00512caa9ccb"] = .failure(.transient(reason: "HTTP 429", retryAfter: .seconds(90), requestMayHaveArrived: false))
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("retry-after-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let durable = DurableFiles(config: BridgeConfig(root: root))
        let handler = NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.retry-after"))
        do {
            try await handler.handle(
                NHNNotification(relatedMessageId: "733be787-0ad0-475a-98b7-00512caa9ccb", type: "NewMessage", notificationReceiverHerId: 8143060, offset: 7),
                waitForOwnSends: false)
            XCTFail("the 429 must not count as handled")
        } catch let trouble as InboundTrouble {
            XCTAssertEqual(trouble.retryAfter, 90)
            XCTAssertFalse(trouble.permanent)
        }
    }
}

private struct AlwaysRegistered: SenderRegistration {
    func isRegistered(_ herId: Int) -> Bool { true }
    func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait { .registered }
    func registrationLost(_ herId: Int) async {}
}
