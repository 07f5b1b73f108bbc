import CoreMetrics
import DropbridgeCore
import Foundation
import Prometheus

/// The bridge's metrics in a Prometheus registry of its own (so tests and two bridges in one
/// process never share counters): events arrive through `BridgeMetrics`, gauges are set by
/// the `MonitorSampler` from each snapshot. Names follow Prometheus conventions: `_total` for
/// counters, base units (`_seconds`, `_bytes`) in the name.
package final class PrometheusMetrics: BridgeMetrics {
    package let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory
    /// Who answers, and who refuses our credentials, as seen from each request.
    package let reachability: Reachability

    package init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), reachability: Reachability = Reachability()) {
        self.registry = registry
        self.reachability = reachability
        var factory = PrometheusMetricsFactory(registry: registry)
        // From a quick local answer to NHN's slowest day.
        factory.durationHistogramBuckets["dropbridge_drop_to_accepted_seconds"] = [
            .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5),
            .seconds(10), .seconds(30), .seconds(60), .seconds(300), .seconds(900), .seconds(3600),
        ]
        factory.durationHistogramBuckets["dropbridge_request_duration_seconds"] = [
            .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100),
            .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
            .seconds(30), .seconds(60),
        ]
        self.factory = factory
        // Every counter exists from the start (at 0), so a rate() has a beginning.
        for name in [
            "dropbridge_inbox_writes_total", "dropbridge_possible_duplicates_total", "dropbridge_notification_events_too_large_total",
        ] {
            _ = CoreMetrics.Counter(label: name, dimensions: [], factory: factory)
        }
    }

    /// The exposition text (`text/plain; version=0.0.4`).
    package func render() -> String { MetricHelp.annotate(registry.emitToString()) }

    // MARK: Events

    package func dropFinished(channel: String, outcome: String, stage: String, claimToAcceptedSeconds: Double?) {
        counter("dropbridge_drops_total", [("channel", channel), ("outcome", outcome), ("stage", stage)])
        if let seconds = claimToAcceptedSeconds {
            CoreMetrics.Timer(label: "dropbridge_drop_to_accepted_seconds", dimensions: [], factory: factory)
                .recordNanoseconds(Int64(max(0, seconds) * 1e9))
        }
    }

    package func requestFinished(api: String, call: String, statusClass: String, seconds: Double) {
        counter("dropbridge_requests_total", [("api", api), ("call", call), ("status_class", statusClass)])
        CoreMetrics.Timer(label: "dropbridge_request_duration_seconds", dimensions: [("api", api), ("call", call)], factory: factory)
            .recordNanoseconds(Int64(max(0, seconds) * 1e9))
        // A request never sent (no token) says nothing about whether the API answers.
        if statusClass != "credentials" {
            reachability.record(api: api, answered: !(statusClass == "transport" || statusClass == "5xx"), now: Date().timeIntervalSince1970)
        }
    }

    package func credentials(api: String, refusal: String?) {
        reachability.credentials(api: api, refusal: refusal, now: Date().timeIntervalSince1970)
    }

    package func notificationReceived(type: String) {
        counter("dropbridge_notifications_total", [("type", type)])
    }

    package func inboxWritten() {
        counter("dropbridge_inbox_writes_total", [])
    }

    package func appRec(direction: String, status: String) {
        counter("dropbridge_apprecs_total", [("direction", direction), ("status", status)])
    }

    package func possibleDuplicate() {
        counter("dropbridge_possible_duplicates_total", [])
    }

    package func notificationEventTooLarge() {
        counter("dropbridge_notification_events_too_large_total", [])
    }

    // MARK: Gauges

    /// Sets a gauge (the registry keeps one series per name and label values).
    package func gauge(_ name: String, _ labels: [(String, String)] = [], _ value: Double) {
        CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory).record(value)
    }

    private func counter(_ name: String, _ labels: [(String, String)]) {
        CoreMetrics.Counter(label: name, dimensions: labels, factory: factory).increment()
    }
}
