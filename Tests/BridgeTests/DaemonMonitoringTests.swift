import Foundation
import Simulator
import XCTest

/// The built `dropbridge run` serves `metrics.listen` and stops gracefully with it.
final class DaemonMonitoringTests: XCTestCase {
    func testTheDaemonServesMetricsHealthAndThePageAndStopsCleanly() async throws {
        let fixture = try await DaemonFixture(
            "monitoring",
            settings: SimulatorSettings(ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId]))
        addTeardownBlock { await fixture.shutdown() }
        try await fixture.writeConfig(
            nhn: "senderHerId: 8143060, receive: off",
            extra: "metrics: { listen: \"127.0.0.1:0\" }\nalerts: { minFreeBytes: 0 }")
        // A misspelt override (NHN_BASE_URL is the key's variable) is named in the log.
        try fixture.start(logLevel: "info", environment: ["DROPBRIDGE_NHN_BASEURL": "https://elsewhere.example"])
        var port = 0
        try await fixture.waitUntil("the daemon says where it listens", timeout: .seconds(20)) {
            guard let range = fixture.logs().range(of: #"url=http://127\.0\.0\.1:[0-9]+/"#, options: .regularExpression) else { return false }
            port = Int(fixture.logs()[range].dropFirst("url=http://127.0.0.1:".count).dropLast()) ?? 0
            return port > 0
        }
        // The test's own DROPBRIDGE_* variables (e.g. DROPBRIDGE_BINARY) may be named in the same line.
        XCTAssertTrue(fixture.logs().contains("DROPBRIDGE_NHN_BASEURL") && fixture.logs().contains("no configuration key"), fixture.logs())
        let live = try await MonitoringHTTP.get(port, "/livez")
        XCTAssertEqual(live.status, 200)
        _ = try fixture.dropMsgHeads(2, prefix: "watched")
        try await fixture.waitUntil("both drops are counted", timeout: .seconds(30)) {
            try await MonitoringHTTP.get(port, "/metrics").body.contains("dropbridge_drops_total{channel=\"nhn\",outcome=\"sent\",stage=\"none\"} 2")
        }
        let ready = try await MonitoringHTTP.get(port, "/readyz")
        XCTAssertEqual(ready.status, 200, ready.body)
        let page = try await MonitoringHTTP.get(port, "/")
        XCTAssertTrue(page.body.contains("2 drop(s) filed in the last hour"), page.body)
        let exit = try await fixture.terminate()
        XCTAssertEqual(exit, 0, "graceful stop with the listener exits 0")
    }
}
