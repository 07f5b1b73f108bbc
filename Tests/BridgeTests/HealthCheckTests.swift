import DropbridgeCore
import Ledger
import Foundation
import Monitoring
import Operations
import XCTest

/// Each rule of `/readyz` and the stuck-work alerts, on hand-made snapshots.
final class HealthCheckTests: XCTestCase {
    let now = 1_800_000_000.0

    func snapshot(_ change: (inout MonitorSnapshot) -> Void = { _ in }) -> MonitorSnapshot {
        var snapshot = MonitorSnapshot(
            takenAt: now, version: "test",
            folders: ["outbox", "inbox", "receipts", "sent", "failed"].map { .init(name: $0, files: 0, oldestAgeSeconds: nil, missing: false) },
            diskFreeBytes: 50_000_000_000, ledgerProblem: nil, drops: .init(),
            receiving: .init(configured: true, state: "streaming", since: now - 60, lastNotificationAt: now - 30),
            apis: ["nhn": { var state = ReachabilityState(); state.record(answered: true, now: now - 1); return state }()],
            dropsPerMinute: [], problems: [])
        change(&snapshot)
        return snapshot
    }

    func codes(_ snapshot: MonitorSnapshot, _ change: (inout BridgeConfig.Alerts) -> Void = { _ in }) -> [String] {
        var alerts = BridgeConfig.Alerts()
        change(&alerts)
        return HealthCheck(alerts: alerts, apis: ["nhn"]).problems(in: snapshot).map(\.code)
    }

    func testAHealthyBridgeHasNoProblems() {
        XCTAssertEqual(codes(snapshot()), [])
    }

    func testLedgerFolderAndDisk() {
        XCTAssertEqual(codes(snapshot { $0.ledgerProblem = "attempt to write a readonly database" }), ["ledger_not_writable"])
        XCTAssertEqual(codes(snapshot { $0.folders[1].missing = true }), ["folder_missing"])
        let full = HealthCheck(alerts: BridgeConfig.Alerts(), apis: ["nhn"]).problems(in: snapshot { $0.diskFreeBytes = 10_000_000 })
        XCTAssertEqual(full.map(\.code), ["disk_nearly_full"])
        XCTAssertTrue(full[0].reason.contains("9765 KiB free"), full[0].reason)
        XCTAssertEqual(codes(snapshot { $0.diskFreeBytes = 10_000_000 }) { $0.minFreeBytes = 0 }, [], "0 turns the check off")
    }

    func testUnreachableOnlyAfterTheThreshold() {
        var state = ReachabilityState()
        state.record(answered: true, now: now - 100)
        state.record(answered: false, now: now - 10)
        state.record(answered: false, now: now - 5)  // the first failure counts, not the latest
        XCTAssertEqual(codes(snapshot { $0.apis["nhn"] = state }) { $0.unreachableSeconds = 30 }, [])
        XCTAssertEqual(codes(snapshot { $0.apis["nhn"] = state }) { $0.unreachableSeconds = 8 }, ["nhn_unreachable"])
        state.record(answered: true, now: now)
        XCTAssertEqual(codes(snapshot { $0.apis["nhn"] = state }) { $0.unreachableSeconds = 8 }, [], "an answer ends it")
    }

    func testCredentialsRefusedUntilAnAnswerTakesThem() {
        var state = ReachabilityState()
        state.credentials(refusal: "HelseID answered invalid_client", now: now - 5)
        let problems = HealthCheck(alerts: .init(), apis: ["nhn"]).problems(in: snapshot { $0.apis["nhn"] = state })
        XCTAssertEqual(problems.map(\.code), ["credentials_refused"])
        XCTAssertTrue(problems[0].reason.contains("invalid_client"))
        state.credentials(refusal: nil, now: now)
        XCTAssertEqual(codes(snapshot { $0.apis["nhn"] = state }), [])
    }

    func testReceivingMustRunWhenConfigured() {
        XCTAssertEqual(codes(snapshot { $0.receiving.state = "refused"; $0.receiving.detail = "PUT /mshconfigurations: 403" }), ["receiving_not_running"])
        XCTAssertEqual(codes(snapshot { $0.receiving.state = nil }), ["receiving_not_running"])
        XCTAssertEqual(codes(snapshot { $0.receiving.state = "polling" }), [])
        XCTAssertEqual(codes(snapshot { $0.receiving.state = "registering"; $0.receiving.since = self.now - 5 }), [], "starting up")
        XCTAssertEqual(codes(snapshot { $0.receiving.state = "registering"; $0.receiving.since = self.now - 3600 }), ["receiving_not_running"])
        XCTAssertEqual(codes(snapshot { $0.receiving = .init(configured: false) }), [], "off is not a problem")
    }

    /// The first sample of a daemon is taken before receiving reports `registering`: no alert
    /// for the last run's `stopped` (or no state) in the first moments, but a refusal at once.
    func testReceivingGetsAMomentAtStart() {
        for state in [nil, "stopped"] {
            XCTAssertEqual(codes(snapshot { $0.receiving.state = state; $0.startedAt = self.now - 1 }), [], "\(state ?? "nil") just after start")
            XCTAssertEqual(codes(snapshot { $0.receiving.state = state; $0.startedAt = self.now - 3600 }), ["receiving_not_running"], "\(state ?? "nil") an hour on")
        }
        XCTAssertEqual(codes(snapshot { $0.receiving.state = "refused"; $0.startedAt = self.now - 1 }), ["receiving_not_running"], "NHN's refusal is told at once")
    }

    func testSilentStream() {
        XCTAssertEqual(codes(snapshot { $0.receiving.lastNotificationAt = self.now - 7200; $0.receiving.since = self.now - 7200 }) { $0.silentStreamSeconds = 3600 }, ["stream_silent"])
        XCTAssertEqual(codes(snapshot { $0.receiving.lastNotificationAt = self.now - 7200; $0.receiving.since = self.now - 7200 }) { $0.silentStreamSeconds = 0 }, [])
        // Polling says nothing about the stream.
        XCTAssertEqual(codes(snapshot { $0.receiving.state = "polling"; $0.receiving.lastNotificationAt = self.now - 7200; $0.receiving.since = self.now - 7200 }) { $0.silentStreamSeconds = 3600 }, [])
    }

    func testStuckHeldAndInbox() {
        let stuck = HealthCheck(alerts: .init(), apis: ["nhn"]).problems(
            in: snapshot { $0.drops.stuck = [.init(name: "lab-17", state: "validated", ageSeconds: 4000, reason: "NHN could not take POST /messages now")] })
        XCTAssertEqual(stuck.map(\.code), ["drop_stuck"])
        XCTAssertTrue(stuck[0].reason.contains("lab-17") && stuck[0].reason.contains("validated"), stuck[0].reason)
        XCTAssertEqual(codes(snapshot { $0.drops.held = [.init(name: "x", reason: "423")] }), ["drops_held"])
        XCTAssertEqual(codes(snapshot { $0.folders[1] = .init(name: "inbox", files: 3, oldestAgeSeconds: 7200, missing: false) }) { $0.inboxSeconds = 3600 }, ["inbox_waiting"])
        XCTAssertEqual(codes(snapshot { $0.folders[1] = .init(name: "inbox", files: 3, oldestAgeSeconds: 60, missing: false) }) { $0.inboxSeconds = 3600 }, [])
    }

    func testAlertLogSaysStartAndEndOnce() {
        var log = AlertLog()
        let disk = HealthProblem(code: "disk_nearly_full", reason: "a")
        let stuck = HealthProblem(code: "drop_stuck", reason: "b")
        XCTAssertEqual(log.update([disk]), [.raised(disk)])
        XCTAssertEqual(log.update([HealthProblem(code: "disk_nearly_full", reason: "a, later")]), [], "still the same alert")
        XCTAssertEqual(log.update([HealthProblem(code: "disk_nearly_full", reason: "a, later"), stuck]), [.raised(stuck)])
        XCTAssertEqual(log.update([stuck]).map { if case .cleared(let problem) = $0 { problem.code } else { "raised" } }, ["disk_nearly_full"])
        XCTAssertEqual(log.update([]), [.cleared(stuck)])
        XCTAssertEqual(log.update([]), [])
    }

    func testStatusNamesAnInboxTheEPJStoppedReading() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-alert-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = BridgeConfig(root: root)
        config.alerts.inboxSeconds = 3600
        config.alerts.minFreeBytes = 0
        for (_, path) in config.folders.all { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(atPath: config.state.directory, withIntermediateDirectories: true)
        let ledger = try Ledger(path: config.state.ledger)
        let file = config.folders.inbox + "/old.xml"
        try Data("<x/>".utf8).write(to: URL(fileURLWithPath: file))
        let now = Date().timeIntervalSince1970
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSince1970: now - 7200)], ofItemAtPath: file)

        let report = try StatusReporter.report(config: config, ledger: ledger, thresholds: .init(config.alerts), now: now)
        XCTAssertEqual(report.needsOperator.map(\.kind), [.inboxWaiting])
        XCTAssertFalse(report.healthy)
        var patient = config.alerts
        patient.inboxSeconds = 10_000
        XCTAssertTrue(try StatusReporter.report(config: config, ledger: ledger, thresholds: .init(patient), now: now).healthy)
    }

    func testIdentityNumbersAreHidden() {
        XCTAssertEqual(Redaction.maskIdentityNumbers("patient 01017012345 refused"), "patient [11 digits hidden] refused")
        XCTAssertEqual(Redaction.maskIdentityNumbers("offset 123456789012 and HER 8143060"), "offset 123456789012 and HER 8143060")
    }
}
