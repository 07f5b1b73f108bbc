import DropbridgeCore
import Foundation
import Ledger
import Logging
import Monitoring
import XCTest

/// The `/metrics` text as Prometheus (and `promtool check metrics`) reads it: every family
/// named by issue #10 is there, each with `# HELP` and `# TYPE`, named by the conventions.
final class MetricsExpositionTests: XCTestCase {
    func testEveryFamilyHasHelpAndTypeAndFollowsTheNamingConventions() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("exposition-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        var config = BridgeConfig(root: root)
        config.alerts.minFreeBytes = 0
        for (_, path) in config.folders.all { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true) }
        try FileManager.default.createDirectory(atPath: config.state.directory, withIntermediateDirectories: true)
        let ledger = try Ledger(path: config.state.ledger)
        let metrics = PrometheusMetrics()
        // One of each event, then a sample for the gauges.
        metrics.dropFinished(channel: "nhn", outcome: "sent", stage: "none", claimToAcceptedSeconds: 0.4)
        metrics.requestFinished(api: "nhn", call: "POST /messages", statusClass: "2xx", seconds: 0.05)
        metrics.notificationReceived(type: "NewMessage")
        metrics.inboxWritten()
        metrics.appRec(direction: "out", status: "Ok")
        metrics.possibleDuplicate()
        let monitor = Monitor(
            reader: SnapshotReader(config: config, ledger: ledger, reachability: metrics.reachability, version: "9.9.9"),
            metrics: metrics, logger: Logger(label: "test"))
        await monitor.sample()
        let text = metrics.render()

        let lines = text.split(separator: "\n").map(String.init)
        var types: [String: String] = [:]
        for (index, line) in lines.enumerated() where line.hasPrefix("# TYPE ") {
            let parts = line.split(separator: " ").map(String.init)
            XCTAssertEqual(parts.count, 4, line)
            let (name, type) = (parts[2], parts[3])
            types[name] = type
            XCTAssertTrue(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) ") && lines[index - 1].count > "# HELP \(name) ".count, "no HELP before \(line)")
            XCTAssertNotNil(name.range(of: "^dropbridge_[a-z][a-z0-9_]*$", options: .regularExpression), "\(name): not snake_case under dropbridge_")
            XCTAssertEqual(type == "counter", name.hasSuffix("_total"), "\(name) (\(type)): counters and only counters end in _total")
            if type == "histogram" { XCTAssertTrue(name.hasSuffix("_seconds"), "\(name): a duration histogram in base units") }
        }
        // Every sample belongs to a declared family (a histogram's _bucket, _sum and _count).
        for line in lines where !line.hasPrefix("#") {
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            let family = ["_bucket", "_sum", "_count"].reduce(name) { found, suffix in
                types[found] == nil && name.hasSuffix(suffix) ? String(name.dropLast(suffix.count)) : found
            }
            XCTAssertNotNil(types[family], "\(line): no # TYPE for \(family)")
        }
        // The families issue #10 names, with their types.
        let expected = [
            "dropbridge_drops_total": "counter", "dropbridge_drops_in_state": "gauge", "dropbridge_oldest_unfinished_age_seconds": "gauge",
            "dropbridge_requests_total": "counter", "dropbridge_request_duration_seconds": "histogram",
            "dropbridge_drop_to_accepted_seconds": "histogram", "dropbridge_notifications_total": "counter",
            "dropbridge_inbox_writes_total": "counter", "dropbridge_apprecs_total": "counter",
            "dropbridge_possible_duplicates_total": "counter", "dropbridge_receive_offset_lag": "gauge",
            "dropbridge_folder_files": "gauge", "dropbridge_folder_oldest_age_seconds": "gauge", "dropbridge_build_info": "gauge",
        ]
        for (name, type) in expected { XCTAssertEqual(types[name], type, "\(name) in\n\(text)") }
        XCTAssertTrue(text.contains("dropbridge_build_info{version=\"9.9.9\"} 1"), text)
        XCTAssertTrue(text.contains("dropbridge_folder_files{folder=\"inbox\"} 0"), text)
    }

    func testHelpTextIsEscapedAndOtherLinesAreKept() {
        XCTAssertEqual(MetricHelp.escaped("a\\b\nc"), "a\\\\b\\nc")
        let plain = "# TYPE other_thing gauge\nother_thing 1\n"
        XCTAssertEqual(MetricHelp.annotate(plain), plain, "a family without help text is left as it was")
        XCTAssertEqual(
            MetricHelp.annotate("# TYPE dropbridge_ready gauge\ndropbridge_ready 1\n"),
            "# HELP dropbridge_ready \(MetricHelp.text["dropbridge_ready"]!)\n# TYPE dropbridge_ready gauge\ndropbridge_ready 1\n")
    }
}
