@testable import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Operations
import XCTest

/// `StatusReport` from a root's config, ledger (read-only) and folders.
final class StatusReportTests: XCTestCase {
    private var root: String!
    private var config: BridgeConfig!
    private var ledgerPath: String { root + "/.dropbridge/ledger.sqlite" }

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)").path
        for folder in ["outbox", "inbox", "receipts", "sent", "failed", ".dropbridge/work"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        config = BridgeConfig(root: root)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func stateFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/.dropbridge").sorted()
    }

    /// A ledger with one held and one accepted drop, closed again (as after the daemon stopped).
    private func writeLedger() async throws {
        let ledger = try Ledger(path: ledgerPath)
        let held = try await ledger.reserve(originalName: "held one", files: ["d.xml"], channel: "nhn", now: 100) { _ in "held one" }
        try await ledger.update(id: held.id!, now: 110) { row in
            row.state = .held
            row.lastError = "NHN refused our credentials (401)"
        }
        let sent = try await ledger.reserve(originalName: "sent", files: ["d.xml"], channel: "nhn", now: 100) { _ in "sent" }
        try await ledger.update(id: sent.id!, now: 120) { row in
            row.state = .accepted
            row.filedAt = 120
        }
        try ledger.close()
    }

    func testAStoppedDaemonsLedgerIsReadWithoutCreatingAnyFile() async throws {
        try await writeLedger()
        let before = try stateFiles()
        XCTAssertEqual(before, ["ledger.sqlite", "work"], "the pool closed: no WAL left")
        _ = FileManager.default.createFile(atPath: root + "/outbox/waiting.xml", contents: Data("x".utf8))

        let report = try StatusReporter.report(config: config, now: 200)
        XCTAssertEqual(try stateFiles(), before, "status creates nothing (no -wal, -shm, lock)")
        XCTAssertEqual(report.daemon.lock, .stopped)
        XCTAssertEqual(report.daemon.lastProgressAt, 120)
        XCTAssertEqual(report.daemon.lastProgressAgeSeconds, 80)
        XCTAssertEqual(report.folders["outbox"]?.files, 1)
        XCTAssertEqual(report.folders["failed"]?.files, 0)
        XCTAssertEqual(report.ledger.byState, ["held": 1, "accepted": 1])
        XCTAssertFalse(report.healthy)
        XCTAssertEqual(report.needsOperator.map(\.kind), [.held])
        XCTAssertEqual(report.needsOperator.first?.subject, "held one")
        XCTAssertEqual(report.needsOperator.first?.reason, "NHN refused our credentials (401)")
        XCTAssertTrue(report.stuck.isEmpty, "a held drop is reported as held, not as stuck")
    }

    func testAPausedBridgeIsNotHealthyAndSaysSinceWhenAndWho() async throws {
        let ledger = try Ledger(path: ledgerPath)
        let healthy = try StatusReporter.report(config: config, ledger: ledger, now: 1_000)
        XCTAssertTrue(healthy.healthy)
        XCTAssertNil(healthy.pause)

        // What `dropbridge pause` records: the switch, then the request with who asked.
        try await ledger.setOperatorSwitch(Ledger.sendingPausedSwitch, on: true, now: 1_764_770_400)
        _ = try ledger.addOperatorRequest(.init(action: .pause, names: nil, requestedAt: 1_764_770_400, requestedBy: "kari"))
        let paused = try StatusReporter.report(config: config, ledger: ledger, now: 1_764_770_400 + 300)
        XCTAssertTrue(paused.sendingPaused)
        XCTAssertEqual(paused.pause, StatusReport.Pause(since: 1_764_770_400, ageSeconds: 300, by: "kari"))
        XCTAssertFalse(paused.healthy, "paused is not healthy: `status` exits 1")
        XCTAssertEqual(paused.needsOperator.map(\.kind), [.sendingPaused])
        let reason = try XCTUnwrap(paused.needsOperator.first?.reason)
        XCTAssertTrue(reason.contains("since 2025-12-03T14:00:00Z (5 min ago) by kari"), reason)
        XCTAssertTrue(paused.needsOperator.first?.action.contains("dropbridge resume") == true)
        let text = StatusText.render(paused)
        XCTAssertTrue(text.contains("SENDING PAUSED: sending is paused since 2025-12-03T14:00:00Z"), text)
        XCTAssertFalse(text.contains("healthy"), text)
        let object = try JSONSerialization.jsonObject(with: Data(try StatusText.json(paused).utf8), options: [])
        let pause = (object as? [String: Any])?["pause"] as? [String: Any]
        XCTAssertEqual(pause?["by"] as? String, "kari")
        XCTAssertEqual(pause?["since"] as? Double, 1_764_770_400)

        try await ledger.setOperatorSwitch(Ledger.sendingPausedSwitch, on: false, now: 1_764_770_400 + 400)
        let resumed = try StatusReporter.report(config: config, ledger: ledger, now: 1_764_770_400 + 500)
        XCTAssertTrue(resumed.healthy)
        XCTAssertNil(resumed.pause)
    }

    func testARunningDaemonIsSeenAndItsLatestCommitIsRead() async throws {
        let lock = try InstanceLock(path: root + "/.dropbridge/lock")
        let ledger = try Ledger(path: ledgerPath)
        let drop = try await ledger.reserve(originalName: "slow", files: ["d.xml"], channel: "nhn", now: 100) { _ in "slow" }
        try await ledger.update(id: drop.id!, now: 150) { row in
            row.state = .validated
            row.lastError = "NHN answered 503"
        }
        XCTAssertTrue(FileManager.default.fileExists(atPath: ledgerPath + "-wal"), "the writer is open: its WAL holds the commits")

        let report = try StatusReporter.report(config: config, thresholds: .init(stuckDropSeconds: 600), now: 1000)
        XCTAssertEqual(report.daemon.lock, .running)
        XCTAssertEqual(report.ledger.byState, ["validated": 1], "read through the WAL")
        XCTAssertEqual(report.stuck.map(\.name), ["slow"])
        XCTAssertEqual(report.needsOperator.map(\.kind), [.stuck])
        XCTAssertEqual(report.stuck.first?.ageSeconds, 900)
        // In an operator's units, as the rest of `status` words ages.
        XCTAssertEqual(report.needsOperator.first?.reason, "validated for 15 min: NHN answered 503")

        let younger = try StatusReporter.report(config: config, thresholds: .init(stuckDropSeconds: 600), now: 650)
        XCTAssertTrue(younger.healthy, "claimed 550 s ago, under the threshold")
        withExtendedLifetime((lock, ledger)) {}
    }

    func testTheReadOnlyLedgerRefusesWrites() async throws {
        try await writeLedger()
        let readOnly = try Ledger.openReadOnly(path: ledgerPath)
        XCTAssertEqual(try readOnly.drop(named: "sent")?.state, .accepted)
        XCTAssertThrowsError(try readOnly.releaseName("sent"))
        XCTAssertEqual(try Ledger.openReadOnly(path: ledgerPath).drop(named: "sent")?.name, "sent")
    }

    func testNoLedgerIsToldAsSuchAndCreatesNothing() throws {
        XCTAssertThrowsError(try StatusReporter.report(config: config)) { error in
            XCTAssertTrue("\(error)".contains("has not run with this root"), "\(error)")
        }
        XCTAssertEqual(try stateFiles(), ["work"])
    }

    func testTheJSONShapeKeepsItsKeys() async throws {
        try await writeLedger()
        let report = try StatusReporter.report(config: config, now: 200)
        let object = try JSONSerialization.jsonObject(with: Data(StatusText.json(report).utf8)) as? [String: Any]
        let keys = Set(object?.keys.map { $0 } ?? [])
        for key in [
            "formatVersion", "generatedAt", "root", "daemon", "sendingPaused", "needsOperator", "folders", "ledger",
            "receiving", "quarantined", "finalDeliveries", "appRecPossibleDuplicates", "stuck",
        ] where key != "receiving" {
            XCTAssertTrue(keys.contains(key), key)
        }
        XCTAssertEqual(try JSONDecoder().decode(StatusReport.self, from: Data(StatusText.json(report).utf8)), report)
        let text = StatusText.render(report)
        XCTAssertTrue(text.contains("HELD held one: NHN refused our credentials (401)"), text)
        XCTAssertTrue(text.contains("daemon: not running"), text)
    }
}

/// Drop history kept by the ledger's triggers, and operator requests.
final class DropHistoryTests: XCTestCase {
    func testEveryChangeOfADropIsInItsHistoryAndARequestKeepsItsOutcome() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let drop = try await ledger.reserve(originalName: "a", files: ["d.xml"], channel: "nhn", now: 1) { _ in "a" }
        try await ledger.update(id: drop.id!, now: 2) { $0.state = .validated; $0.msgId = "m-1" }
        try await ledger.update(id: drop.id!, now: 3) { $0.state = .sending; $0.attempts = 1 }
        try await ledger.update(id: drop.id!, now: 4) { $0.state = .validated; $0.lastError = "503"; $0.nextAttemptAt = 10 }
        try await ledger.update(id: drop.id!, now: 5) { $0.contentHash = "no event for this" }
        try await ledger.update(id: drop.id!, now: 11) { $0.state = .accepted; $0.messageId = "nhn-1"; $0.lastError = nil }
        try await ledger.update(id: drop.id!, now: 12) { $0.filedAt = 12; $0.releasedAs = "a" }

        let history = try ledger.history(dropId: drop.id!)
        XCTAssertEqual(history.map(\.at), [1, 2, 3, 4, 11, 12])
        XCTAssertEqual(history.map(\.state), [.claimed, .validated, .sending, .validated, .accepted, .accepted])
        XCTAssertEqual(history[3].lastError, "503")
        XCTAssertEqual(history[3].nextAttemptAt, 10)
        XCTAssertEqual(history[4].messageId, "nhn-1")
        XCTAssertEqual(history[5].filedAt, 12)
        XCTAssertEqual(try ledger.drops(matching: "m-1").map(\.name), ["a"])
        XCTAssertEqual(try ledger.drops(matching: "nhn-1").map(\.name), ["a"])

        try ledger.releaseName("a")
        XCTAssertEqual(try ledger.drops(matching: "a").count, 1, "a retried drop's earlier row is still found by its name")

        let request = try ledger.addOperatorRequest(.init(action: .release, names: ["a"], requestedAt: 20, requestedBy: "op"))
        XCTAssertEqual(try ledger.pendingOperatorRequests().map(\.id), [request.id])
        try await ledger.finishOperatorRequest(id: request.id!, outcome: "a: released", now: 21)
        XCTAssertTrue(try ledger.pendingOperatorRequests().isEmpty)
        XCTAssertEqual(try ledger.operatorRequest(id: request.id!)?.outcome, "a: released")

        XCTAssertFalse(try ledger.operatorSwitch(Ledger.sendingPausedSwitch))
        try await ledger.setOperatorSwitch(Ledger.sendingPausedSwitch, on: true, now: 22)
        XCTAssertTrue(try ledger.operatorSwitch(Ledger.sendingPausedSwitch))
    }
}

final class ShowReportTests: XCTestCase {
    func testAReceivedMessageIsShownWithItsFilesAndNotifications() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("show-\(UUID().uuidString)").path
        for folder in ["inbox", "receipts", "sent", "failed", ".dropbridge"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        defer { try? FileManager.default.removeItem(atPath: root) }
        let config = BridgeConfig(root: root)
        let ledger = try Ledger(path: root + "/.dropbridge/ledger.sqlite")
        let id = "0b7d4a52-6f7e-4b8e-9a55-3a8f2f1d0c11"
        try await ledger.enqueueNotifications(
            [QueuedNotification(
                offset: 7, herIds: "8143060", notificationId: nil, type: "NewMessage", relatedMessageId: id,
                notificationReceiverHerId: 8143060, notificationTriggeredByHerId: nil, description: nil, createdAt: nil, queuedAt: 50)],
            offset: 7, herIds: [8143060], now: 50)
        _ = try await ledger.recordInbound(InboundRecord(
            messageId: id, receiverHerId: 8143060, senderHerId: 8094866, msgId: "their-msg", messageType: "DIALOG_HELSEFAGLIG",
            kind: "business", fileName: id + ".xml", valid: true, receivedAt: 60))
        for file in [id + ".xml", id + ".json"] { _ = FileManager.default.createFile(atPath: root + "/inbox/" + file, contents: Data("x".utf8)) }
        // A drop whose name is a prefix of another's: neither claims the other's files.
        let drop = try await ledger.reserve(originalName: "a", files: ["d.xml"], channel: "nhn", now: 1) { _ in "a" }
        for file in ["a.xml", "a.json", "a.b.xml", "a.b.json"] { _ = FileManager.default.createFile(atPath: root + "/sent/" + file, contents: Data()) }
        _ = FileManager.default.createFile(atPath: root + "/receipts/a.apprec.8094866.xml", contents: Data())

        let byMsgId = try ShowReporter.report(key: "their-msg", config: config, ledger: ledger)
        XCTAssertEqual(byMsgId.received.map(\.record.messageId), [id])
        XCTAssertEqual(byMsgId.received.first?.files, ["inbox/\(id).json", "inbox/\(id).xml"])
        XCTAssertEqual(byMsgId.received.first?.notifications.map(\.offset), [7])
        let text = ShowText.render(try ShowReporter.report(key: id, config: config, ledger: ledger))
        XCTAssertTrue(text.contains("received message \(id)"), text)
        XCTAssertTrue(text.contains("not yet marked downloaded"), text)
        XCTAssertTrue(text.contains("offset 7  NewMessage  pending"), text)

        let files = try ShowReporter.report(key: "a", config: config, ledger: ledger).drops.first?.files
        XCTAssertEqual(files, ["receipts/a.apprec.8094866.xml", "sent/a.json", "sent/a.xml"])
        XCTAssertEqual(try ShowReporter.report(key: "a", config: config, ledger: ledger).drops.first?.record.id, drop.id)
    }
}
