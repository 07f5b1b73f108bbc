import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Monitoring
import Operations
import XCTest

/// `/metrics`, `/livez`, `/readyz` and the status page over real loopback HTTP, against a
/// running bridge and the simulator.
final class MonitoringTests: XCTestCase {
    /// Starts the harness's bridge with a monitoring server beside it (shut down in teardown);
    /// the server's port.
    private func startWithMonitoring(_ harness: BridgeHarness, metrics: PrometheusMetrics) async throws -> Int {
        var monitoring: MonitoringHTTP?
        try await harness.start(metrics: metrics) { runtime in
            let http = MonitoringHTTP(config: harness.config, ledger: runtime.ledger, metrics: metrics)
            monitoring = http
            return [http.server]
        }
        addTeardownBlock { await harness.shutdown() }
        return await monitoring!.port()
    }

    func testAPauseIsNotReadyAndThePageAndReadyzSaySinceWhenAndWho() async throws {
        let harness = try await BridgeHarness { config in config.alerts.minFreeBytes = 0 }
        let metrics = PrometheusMetrics()
        let port = try await startWithMonitoring(harness, metrics: metrics)
        try await harness.waitUntil("ready") { try await MonitoringHTTP.get(port, "/readyz").status == 200 }

        // What `dropbridge pause` records (the desk obeys the switch).
        try await harness.ledger.setOperatorSwitch(Ledger.sendingPausedSwitch, on: true, now: Date().timeIntervalSince1970)
        _ = try harness.ledger.addOperatorRequest(.init(action: .pause, names: nil, requestedAt: Date().timeIntervalSince1970, requestedBy: "ola"))
        try await harness.waitUntil("/readyz is 503") { try await MonitoringHTTP.get(port, "/readyz").status == 503 }
        let readiness = try JSONDecoder().decode(Readiness.self, from: Data(try await MonitoringHTTP.get(port, "/readyz").body.utf8))
        let paused = try XCTUnwrap(readiness.reasons.first { $0.code == "sending_paused" })
        XCTAssertTrue(paused.reason.contains("sending is paused since "), paused.reason)
        XCTAssertTrue(paused.reason.contains(" by ola"), paused.reason)
        let page = try await MonitoringHTTP.get(port, "/").body
        XCTAssertTrue(page.contains("Paused: sending is paused since "), page)
        let status = try await MonitoringHTTP.get(port, "/status.json").body
        XCTAssertTrue(status.contains("\"sendingPaused\""), status)
    }

    func testCountersMoveAfterADropAndReadinessFollowsNHN() async throws {
        let harness = try await BridgeHarness { config in
            config.alerts.unreachableSeconds = 0.3
            config.alerts.minFreeBytes = 0  // a test machine's disk may be fuller than a server's
            config.nhn.requestTimeoutSeconds = 2
        }
        let metrics = PrometheusMetrics()
        let port = try await startWithMonitoring(harness, metrics: metrics)

        let before = try await MonitoringHTTP.get(port, "/metrics")
        XCTAssertEqual(before.status, 200)
        XCTAssertTrue(before.contentType.hasPrefix("text/plain; version=0.0.4"), before.contentType)
        XCTAssertTrue(before.body.contains("dropbridge_build_info{version=\"\(BuildInfo.version)\"} 1"), before.body)
        XCTAssertFalse(before.body.contains("outcome=\"sent\""))

        try harness.dropSample("01-dialog-helsefaglig", as: "lab-1")
        try await harness.waitUntilFiled("lab-1", in: harness.config.folders.sent)
        try await harness.waitUntil("the counters moved") {
            let text = try await MonitoringHTTP.get(port, "/metrics").body
            return text.contains("dropbridge_drops_total{channel=\"nhn\",outcome=\"sent\",stage=\"none\"} 1")
                && text.contains("dropbridge_requests_total{api=\"nhn\",call=\"POST /messages\",status_class=\"2xx\"} 1")
                && text.contains("dropbridge_drop_to_accepted_seconds_count 1")
                && text.contains("dropbridge_drops_in_state{state=\"accepted\"} 1")
                && text.contains("dropbridge_request_duration_seconds_count{api=\"nhn\",call=\"POST /messages\"} 1")
        }
        let ready = try await MonitoringHTTP.get(port, "/readyz")
        XCTAssertEqual(ready.status, 200, ready.body)
        XCTAssertEqual(try JSONDecoder().decode(Readiness.self, from: Data(ready.body.utf8)), Readiness(ready: true, reasons: []))

        // The page shows the drop, and nothing secret: no token, no part of the private key.
        let page = try await MonitoringHTTP.get(port, "/")
        XCTAssertTrue(page.body.contains("<section id=\"sent\">") && page.body.contains("<code>lab-1</code>"), page.body)
        XCTAssertTrue(page.body.contains("1 drop(s) filed in the last hour"), page.body)
        let key = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: harness.config.helseID.privateKeyFile))) as! [String: Any]
        let secret = try XCTUnwrap(key["d"] as? String)
        let status = try await MonitoringHTTP.get(port, "/status.json")
        let scrape = try await MonitoringHTTP.get(port, "/metrics")
        for answer in [page, status, scrape] {
            XCTAssertFalse(answer.body.contains(secret), "the private key leaked")
            XCTAssertFalse(answer.body.contains("eyJ"), "something like a JWT leaked")
        }

        // NHN goes away: the next send finds nobody, and /readyz says so once it lasted.
        await harness.simulator.stop()
        try harness.dropSample("02-dialog-foresporsel", as: "lab-2")
        try await harness.waitUntil("/readyz is 503") { try await MonitoringHTTP.get(port, "/readyz").status == 503 }
        let down = try JSONDecoder().decode(Readiness.self, from: Data(try await MonitoringHTTP.get(port, "/readyz").body.utf8))
        XCTAssertFalse(down.ready)
        XCTAssertEqual(down.reasons.map(\.code), ["nhn_unreachable"], "\(down.reasons)")
        XCTAssertTrue(down.reasons[0].reason.contains("has not answered"), down.reasons[0].reason)
        try await harness.waitUntil("the failures are counted") {
            try await MonitoringHTTP.get(port, "/metrics").body.contains("dropbridge_alert{alert=\"nhn_unreachable\"} 1")
        }
        let metricsText = try await MonitoringHTTP.get(port, "/metrics").body
        XCTAssertTrue(metricsText.contains("dropbridge_requests_total{api=\"nhn\",call=\"POST /messages\",status_class=\"transport\"}"), metricsText)
        XCTAssertTrue(metricsText.contains("dropbridge_ready 0"), metricsText)
        let live = try await MonitoringHTTP.get(port, "/livez")
        XCTAssertEqual(live.status, 200, "the process still serves")
        try await harness.stop()
    }

    func testAltinnRequestsAreCountedBesideNHNs() async throws {
        let harness = try await BridgeHarness.altinn { config in config.alerts.minFreeBytes = 0 }
        let metrics = PrometheusMetrics()
        let port = try await startWithMonitoring(harness, metrics: metrics)
        try harness.dropAltinn("letter", recipients: [BridgeHarness.org])
        try await harness.waitUntilFiled("letter", in: harness.config.folders.sent)
        try await harness.waitUntil("the Altinn calls are counted") {
            let text = try await MonitoringHTTP.get(port, "/metrics").body
            return text.contains("dropbridge_requests_total{api=\"altinn\",call=\"POST /correspondence/upload\",status_class=\"2xx\"} 1")
                && text.contains("dropbridge_drops_total{channel=\"altinn\",outcome=\"sent\",stage=\"none\"} 1")
                && text.contains("dropbridge_requests_total{api=\"altinn\",call=\"GET /correspondence/{id}\",status_class=\"2xx\"}")
        }
        await harness.shutdown()
    }

    func testRefusedCredentialsMakeTheBridgeNotReady() async throws {
        let harness = try await BridgeHarness { config in
            config.helseID.privateKeyFile = config.root + "/keys/unregistered.jwk"
            config.alerts.minFreeBytes = 0
        }
        try await TestKeys.make(.ec, at: harness.config.root + "/keys/unregistered.jwk")
        let metrics = PrometheusMetrics()
        let port = try await startWithMonitoring(harness, metrics: metrics)
        try harness.dropSample("01-dialog-helsefaglig", as: "refused-key")
        try await harness.waitUntil("/readyz names the refused credentials") {
            let answer = try await MonitoringHTTP.get(port, "/readyz")
            return answer.status == 503 && answer.body.contains("credentials_refused")
        }
        let ready = try JSONDecoder().decode(Readiness.self, from: Data(try await MonitoringHTTP.get(port, "/readyz").body.utf8))
        let refused = try XCTUnwrap(ready.reasons.first { $0.code == "credentials_refused" })
        XCTAssertTrue(refused.reason.contains("invalid_client"), refused.reason)
        XCTAssertFalse(ready.reasons.contains { $0.code == "nhn_unreachable" }, "NHN was never asked: that is no outage")
        let text = try await MonitoringHTTP.get(port, "/metrics").body
        XCTAssertTrue(text.contains("status_class=\"credentials\""), text)
        try await harness.stop()
    }

    func testTheStatusPageEscapesHostileNamesAndHidesIdentityNumbers() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("monitoring-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = BridgeConfig(root: root)
        config.nhn.receive = .off
        config.alerts.minFreeBytes = 0
        for (_, path) in config.folders.all { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(atPath: config.state.directory, withIntermediateDirectories: true)
        let ledger = try Ledger(path: config.state.ledger)
        let now = Date().timeIntervalSince1970
        func add(_ name: String, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws {
            let record = try await ledger.reserve(originalName: name, files: [name + ".xml"], channel: "nhn", now: now - 30) { _ in name }
            try await ledger.update(id: record.id!, now: now, change)
        }
        try await add("<script>alert(1)</script>") { row in
            row.state = .held
            row.lastError = "NHN refused: <img src=x onerror=alert(1)> for patient 01017012345"
        }
        try await add("quote\"d 'name'") { row in
            row.state = .failed
            row.failure = StoredFailure(DropFailure(stage: .validation, reason: "value \"12345678901\" </td><b>bold</b>"))
            row.filedAt = now
        }
        try await add("<i>sent</i> for 01017012345") { row in
            row.state = .accepted
            row.messageId = "6a0c2b9e-0000-4000-8000-000000000001"
            row.acceptedAt = now - 29.5
            row.filedAt = now
        }
        try await add("line\nbreak") { row in
            row.state = .validated
            row.lastError = "NHN could not take POST /messages now"
        }

        let http = MonitoringHTTP(config: config, ledger: ledger, metrics: PrometheusMetrics())
        let runner = ServiceRunner([http.server])
        let port = await http.port()
        let page = try await MonitoringHTTP.get(port, "/")
        let json = try await MonitoringHTTP.get(port, "/status.json")
        await runner.stop()

        // The same data as `dropbridge status --json`.
        let served = try JSONDecoder().decode(MonitorSnapshot.self, from: Data(json.body.utf8))
        let report = try StatusReporter.report(config: config, ledger: ledger, thresholds: .init(config.alerts), now: now)
        XCTAssertEqual(served.status?.ledger.byState, report.ledger.byState)
        XCTAssertEqual(served.status?.needsOperator.map(\.kind), report.needsOperator.map(\.kind))
        XCTAssertEqual(served.status?.formatVersion, 1)
        XCTAssertTrue(page.body.contains("id=\"actions\"") && page.body.contains("dropbridge release"), "the held drop's command")

        XCTAssertEqual(page.status, 200)
        XCTAssertEqual(page.contentType, "text/html; charset=utf-8")
        XCTAssertEqual(page.headers["content-security-policy"], "default-src 'none'; style-src 'unsafe-inline'; img-src data:")
        let body = page.body
        XCTAssertTrue(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), body)
        XCTAssertFalse(body.contains("<script"), "a drop name became markup")
        XCTAssertFalse(body.contains("<img"))
        XCTAssertFalse(body.contains("<b>bold"))
        XCTAssertFalse(body.contains("<i>sent"), "a sent drop's name became markup")
        XCTAssertTrue(body.contains("<code>&lt;i&gt;sent&lt;/i&gt; for [11 digits hidden]</code>"), body)
        XCTAssertTrue(body.contains("<code>6a0c2b9e-0000-4000-8000-000000000001</code>") && body.contains("0.50 s"), "the sent drop's id and time")
        XCTAssertTrue(body.contains("quote&quot;d &#39;name&#39;"), body)
        XCTAssertTrue(body.contains("line\\nbreak"), "the newline is shown as an escape")
        XCTAssertFalse(body.contains("line\nbreak"))
        XCTAssertFalse(body.contains("01017012345") || body.contains("12345678901"), "an identity number is on the page")
        XCTAssertTrue(body.contains("[11 digits hidden]"))
        XCTAssertFalse(json.body.contains("01017012345") || json.body.contains("12345678901"), "an identity number is in status.json")
        // The parts an operator needs: held with its reason, the failure, folders, the chart.
        for section in ["id=\"held\"", "id=\"failures\"", "id=\"sent\"", "id=\"retrying\"", "id=\"folders\"", "<svg", "drops_held", "NOT READY"] {
            XCTAssertTrue(body.contains(section), "no \(section)")
        }
        XCTAssertFalse(body.contains("src=\"http") || body.contains("<link") || body.contains("<script"), "external assets or script")
        // The failure filed just now is a red bar in the last minute (or the one before, when
        // the page was made right after a minute began).
        XCTAssertTrue(
            body.contains("<rect x=\"590.0\"") && body.contains("fill=\"#c62828\"><title>") || body.contains("<rect x=\"580.0\""),
            "the last minute's bar")
    }

    /// `/readyz`'s body as a monitor reads it.
    struct Readiness: Codable, Equatable {
        var ready: Bool
        var reasons: [HealthProblem]
    }
}
