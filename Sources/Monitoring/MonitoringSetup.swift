import DropbridgeCore
import Ledger
import Logging

/// What the running build calls itself (`dropbridge_build_info{version}`, the status page).
package enum BuildInfo {
    /// The one the CLI's `--version` prints.
    package static let version = DropbridgeVersion.current
}

extension MonitoringServer {
    /// The listener `metrics.listen` asks for, over the bridge's ledger and metrics; nil when
    /// it is empty (off).
    package static func forBridge(
        config: BridgeConfig, ledger: Ledger, metrics: PrometheusMetrics, logger: Logger,
        sampleInterval: Duration = MonitoringServer.defaultSampleInterval, onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) -> MonitoringServer? {
        guard !config.metricsListen.isEmpty, let address = ListenAddress(config.metricsListen) else { return nil }
        let reader = SnapshotReader(config: config, ledger: ledger, reachability: metrics.reachability, version: BuildInfo.version)
        return MonitoringServer(
            monitor: Monitor(reader: reader, metrics: metrics, logger: logger), address: address,
            sampleInterval: sampleInterval, logger: logger, onListening: onListening)
    }
}
