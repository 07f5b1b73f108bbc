@testable import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Monitoring
@testable import NHNClient
import Synchronization
import XCTest
import XMLCheck

/// Issue #8: more than 1,500 HER-ids are read as one stream per batch, and each batch keeps its
/// own receive state (connection, offset, last event, oversized events) for `status`.
final class ReceiveBatchTests: XCTestCase {
    /// The big batch streams (its first stream sends one notification, then an event past the
    /// 1 MiB cap; the next one stays open with heartbeats); the small batch's stream is refused,
    /// so it polls.
    final class Transport: InboundTransport {
        private let streamsOpened = Mutex(0)
        private let keepOpen = Mutex<[AsyncStream<ArraySlice<UInt8>>.Continuation]>([])
        var bigStreams: Int { streamsOpened.withLock { $0 } }

        func finish() { keepOpen.withLock { for stream in $0 { stream.finish() } } }

        func ping() async -> PingOutcome { .pong(timestampUtc: nil) }
        func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure> {
            guard herIds.count == 1 else { return .success([]) }
            return .success(offset < 200 ? [NHNNotification(type: "Unknown", offset: 200)] : [])
        }
        func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure> {
            guard herIds.count == 1500 else {
                return .failure(.transient(reason: "stream refused for the small batch", retryAfter: nil, requestMayHaveArrived: false))
            }
            let opened = streamsOpened.withLock { count in
                count += 1
                return count
            }
            let (bytes, continuation) = AsyncStream<ArraySlice<UInt8>>.makeStream()
            continuation.yield(ArraySlice("event: connected\ndata:\n\n".utf8))
            if opened == 1 {
                continuation.yield(ArraySlice("event: notification\ndata: {\"type\":\"Unknown\",\"offset\":100}\n\n".utf8))
                continuation.yield(ArraySlice(("event: notification\ndata: " + String(repeating: "x", count: (1 << 20) + 10)).utf8))
                continuation.finish()
            } else {
                continuation.yield(ArraySlice(": heartbeat\n\n".utf8))
                keepOpen.withLock { $0.append(continuation) }
            }
            return .success(NotificationStream(bytes: bytes))
        }
        func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> { .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false)) }
        func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure> { .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false)) }
        func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> { .success([]) }
        func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome { .succeeded }
        func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome { .accepted(messageId: "x") }
    }

    /// Counts the oversized events the metrics are told of.
    final class OversizedCount: BridgeMetrics {
        private let count = Mutex(0)
        var value: Int { count.withLock { $0 } }
        func notificationEventTooLarge() { count.withLock { $0 += 1 } }
    }

    func testEachBatchKeepsItsOwnStateOffsetLastEventAndOversizedCount() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("batch-state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let durable = DurableFiles(config: BridgeConfig(root: root))
        let transport = Transport()
        let metrics = OversizedCount()
        let herIds = Array(1_000_001...1_001_501)
        let (big, small) = (Ledger.offsetKey(Array(herIds.prefix(1500))), Ledger.offsetKey([1_001_501]))
        let handler = NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.batch-state"))
        let service = ReceiveService(
            herIds: herIds, mode: .stream, pollInterval: .milliseconds(100), transport: transport, handler: handler, ledger: ledger,
            logger: Logger(label: "test.batch-state"), maxBackoffSeconds: 0.2, registrations: Registered(), metrics: metrics)
        let running = Task { try await service.run() }
        defer {
            transport.finish()
            running.cancel()
        }
        func batches() throws -> [String: Ledger.ReceiveBatch] {
            Dictionary(uniqueKeysWithValues: (try ledger.receiveState()?.batches ?? []).map { ($0.herIds, $0) })
        }
        try await DaemonFixture.waitUntil("the big batch streams again after its oversized event, the small one polls", timeout: .seconds(20)) {
            let found = try batches()
            return found[big]?.state == "streaming" && found[big]?.offset == 100 && found[small]?.state == "polling"
                && found[small]?.offset == 200 && transport.bigStreams >= 2
        }
        let found = try batches()
        XCTAssertEqual(found[big]?.oversizedEvents, 1, "the oversized event is counted for its batch")
        XCTAssertEqual(metrics.value, 1, "and in the metrics (dropbridge_notification_events_too_large_total)")
        XCTAssertEqual(found[small]?.oversizedEvents, 0)
        XCTAssertNotNil(found[big]?.lastEventAt, "the big batch heard from NHN")
        XCTAssertNil(found[small]?.lastEventAt, "the small batch only polls")
        XCTAssertEqual(found[small]?.detail, "the notification stream cannot be held; polling until it can")
        let state = try XCTUnwrap(try ledger.receiveState())
        XCTAssertEqual(state.oversizedEvents, 1)
        XCTAssertEqual(state.state, "polling", "not every batch streams")
        XCTAssertEqual(state.detail?.hasPrefix("1 of 2 batches of HER-ids polling"), true, state.detail ?? "-")
    }

    /// The counter exists from the start (a rate() has a beginning) and counts each event.
    func testOversizedEventsAreAPrometheusCounter() {
        let metrics = PrometheusMetrics()
        XCTAssertTrue(metrics.render().contains("dropbridge_notification_events_too_large_total 0"), metrics.render())
        metrics.notificationEventTooLarge()
        XCTAssertTrue(metrics.render().contains("dropbridge_notification_events_too_large_total 1"), metrics.render())
    }

    func testTheOverallStateSumsUpTheBatches() {
        typealias States = [String: (state: String, detail: String?)]
        XCTAssertEqual(ReceiveService.summary(["a": ("streaming", nil)] as States, batches: 1).0, "streaming")
        XCTAssertEqual(ReceiveService.summary(["a": ("streaming", nil)] as States, batches: 2).0, "connecting", "one batch not heard of yet")
        let one = ReceiveService.summary(["a": ("polling", "why")] as States, batches: 1)
        XCTAssertEqual(one.0, "polling")
        XCTAssertEqual(one.1, "why")
        let mixed = ReceiveService.summary(["a": ("streaming", nil), "b": ("polling", "why")] as States, batches: 2)
        XCTAssertEqual(mixed.0, "polling")
        XCTAssertEqual(mixed.1, "1 of 2 batches of HER-ids polling: why")
    }
}

private struct Registered: SenderRegistration {
    func isRegistered(_ herId: Int) -> Bool { true }
    func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait { .registered }
    func registrationLost(_ herId: Int) async {}
}
