@testable import Bridge
import AltinnClient
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Synchronization
import XCTest

/// Issue #11 (7): the Altinn status poller does not poll the ledger while nothing is open; an
/// acceptance wakes it at once.
final class AltinnPollerWakeTests: XCTestCase {
    /// Counts overview calls; Altinn is "not reachable now", so nothing is written.
    private final class CountingSender: CorrespondenceSender {
        let overviews = Mutex(0)
        func upload(_ upload: CorrespondenceUpload) async -> AltinnClient.UploadOutcome { .failed(.transient(reason: "not used", retryAfter: nil)) }
        func correspondenceIds(resourceId: String, idempotentKey: String) async -> Result<[String], AltinnFailure> { .success([]) }
        func overview(correspondenceId: String) async -> Result<CorrespondenceOverview?, AltinnFailure> {
            overviews.withLock { $0 += 1 }
            return .failure(.transient(reason: "not now", retryAfter: nil))
        }
        func statusHistory(correspondenceId: String) async -> Result<[CorrespondenceOverview]?, AltinnFailure> { .success(nil) }
    }

    func testAnAcceptanceWakesThePollerThatSleepsForAnHourWithNothingOpen() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("poller-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/receipts", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/tmp", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let sender = CountingSender()
        let poller = AltinnStatusPoller(
            client: sender, ledger: ledger,
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: DurableFiles(tempDirectory: root + "/tmp")),
            idleRecheck: .seconds(3600), logger: Logger(label: "test.altinn.status"))
        let running = Task { try await poller.run() }
        defer { running.cancel() }

        // Nothing open: it looked once and now sleeps on the ledger's signal (or an hour).
        try await waitUntil("the poller sleeps") { ledger.altinnPollsOpened.waiting == 1 }
        XCTAssertEqual(sender.overviews.withLock { $0 }, 0)

        let now = Timestamp.now()
        let drop = try await ledger.reserve(originalName: "letter", files: ["document.xml"], channel: "altinn", now: now) { _ in "letter" }
        _ = try await ledger.update(id: drop.id ?? 0, now: now) { row in
            row.state = .accepted
            row.filedAt = now
        }
        _ = try await ledger.recordAltinnAttempt(
            AltinnSendRecord(idempotentKey: "key-1", dropId: drop.id ?? 0, recipientIndex: 0, recipient: "org:910753614", now: now), now: now)
        try await ledger.updateAltinnSend(dropId: drop.id ?? 0, recipientIndex: 0, now: now) { row in
            row.state = .accepted
            row.correspondenceId = "c-1"
            row.nextPollAt = now
        }
        try await waitUntil("the accepted correspondence is polled", timeout: .seconds(5)) { sender.overviews.withLock { $0 } == 1 }
        // Polled once, then it sleeps until the row's next poll is due (its backoff), not before.
        // The row's next poll is written after the look; once the poller sleeps again it is.
        try await waitUntil("the poller sleeps again") { ledger.altinnPollsOpened.waiting == 1 }
        let row = try XCTUnwrap(try ledger.altinnSends(dropId: drop.id ?? 0).first)
        XCTAssertGreaterThan(row.nextPollAt ?? 0, now, "the failed look put the next one off")
        XCTAssertEqual(sender.overviews.withLock { $0 }, 1)
    }
}
