import Bridge
import DropbridgeCore
import Foundation
import Monitoring
import Simulator
import Synchronization
import XCTest

/// On a nearly full disk receiving pauses: notifications are still read and queued, but
/// nothing is fetched, written or marked downloaded until there is room again.
final class DiskPauseTests: XCTestCase {
    func testThresholdIsAtMostFivePercentOfTheDisk() {
        XCTAssertEqual(BridgeConfig.Alerts.minFreeBytes(200_000_000, filesystemBytes: 100_000_000_000), 200_000_000)
        XCTAssertEqual(BridgeConfig.Alerts.minFreeBytes(200_000_000, filesystemBytes: 16_000_000), 800_000, "a small disk is not full when empty")
        let full = DiskSpaceGuard(path: "/x", minFreeBytes: 1000) { _ in (free: 10, total: 1_000_000) }
        XCTAssertEqual(full.shortage(), "the disk holding /x is nearly full (10 bytes free, fewer than 1000)")
        XCTAssertNil(DiskSpaceGuard(path: "/x", minFreeBytes: 0) { _ in (free: 10, total: 1_000_000) }.shortage(), "0 is off")
        XCTAssertNil(DiskSpaceGuard(path: "/x", minFreeBytes: 1000) { _ in nil }.shortage(), "unknown is not full")
    }

    func testReceivingWaitsForRoomThenResumes() async throws {
        let harness = try await BridgeHarness { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = .stream
        }
        addTeardownBlock { await harness.shutdown() }
        let full = Mutex(true)
        let disk = DiskSpaceGuard(path: harness.config.folders.inbox, minFreeBytes: 1000) { _ in
            full.withLock { $0 } ? (free: 100, total: 1 << 30) : (free: 1 << 29, total: 1 << 30)
        }
        let metrics = PrometheusMetrics()
        try await harness.start(metrics: metrics, diskSpace: disk)
        let id = try await harness.simulator.inject(
            InjectRequest(
                senderHerId: 8094866, receiverHerIds: [8143060],
                document: String(decoding: try OutboxTests.msgHead(msgId: "while-full", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        try await harness.waitUntil("the notification is queued") { try harness.ledger.pendingNotificationCount() >= 1 }
        // The worker looks at the disk before it starts any item: nothing can have begun.
        let marks = await harness.simulator.downloadedMarks()
        XCTAssertNil(marks[id], "marked downloaded on a full disk")
        XCTAssertEqual(harness.files(in: harness.config.folders.inbox), [])

        full.withLock { $0 = false }
        try await harness.waitUntil("the message is in inbox/ and marked downloaded") {
            let marks = await harness.simulator.downloadedMarks()
            return FileManager.default.fileExists(atPath: harness.config.folders.inbox + "/\(id).xml") && marks[id] != nil
        }
        // The queue item is finished after the downloaded mark (its own ledger write).
        try await harness.waitUntil("the queue item is finished") { try harness.ledger.pendingNotificationCount() == 0 }
        // Counted as it happened: one notification, one inbox write, the calls it took.
        let text = metrics.render()
        XCTAssertTrue(text.contains("dropbridge_notifications_total{type=\"NewMessage\"} 1"), text)
        XCTAssertTrue(text.contains("dropbridge_inbox_writes_total 1"), text)
        XCTAssertTrue(text.contains("call=\"PUT /messages/{id}/downloaded\",status_class=\"2xx\"} 1"), text)
    }
}
