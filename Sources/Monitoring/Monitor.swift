import DropbridgeCore
import Foundation
import Ledger
import Logging
import NIOPosix
import Synchronization

/// Takes snapshots (on a thread of its own: they read the ledger and the folders), keeps the
/// latest, sets the gauges from it and logs each alert when it starts and when it ends.
package final class Monitor: Sendable {
    package let reader: SnapshotReader
    package let metrics: PrometheusMetrics
    private let logger: Logger
    private let pool: NIOThreadPool
    private let state = Mutex<(latest: MonitorSnapshot?, alerts: AlertLog)>((nil, AlertLog()))
    /// Every alert code, so a cleared one reads 0 rather than vanishing.
    static let alertCodes = [
        "ledger_not_writable", "folder_missing", "disk_nearly_full", "credentials_refused", "nhn_unreachable",
        "altinn_unreachable", "receiving_not_running", "stream_silent", "drop_stuck", "drops_held", "inbox_waiting", "sending_paused",
        "registration_refused",
    ]

    package init(reader: SnapshotReader, metrics: PrometheusMetrics, logger: Logger) {
        self.reader = reader
        self.metrics = metrics
        self.logger = logger
        pool = NIOThreadPool(numberOfThreads: 1)
        pool.start()
        metrics.gauge("dropbridge_build_info", [("version", reader.version)], 1)
    }

    deinit {
        pool.shutdownGracefully { _ in }
    }

    /// The latest snapshot if it is younger than `maxAge` seconds, else a new one.
    package func snapshot(maxAge: Double = 1) async -> MonitorSnapshot {
        if maxAge > 0, let latest = state.withLock({ $0.latest }), Date().timeIntervalSince1970 - latest.takenAt < maxAge {
            return latest
        }
        return await sample()
    }

    /// Takes a snapshot now and acts on it.
    @discardableResult
    package func sample() async -> MonitorSnapshot {
        let reader = self.reader
        let snapshot: MonitorSnapshot
        do {
            snapshot = try await pool.runIfActive { reader.read() }
        } catch {
            // Only when the pool is shut down: read here rather than answer nothing.
            snapshot = reader.read()
        }
        let actions = state.withLock { state in
            state.latest = snapshot
            return state.alerts.update(snapshot.problems)
        }
        for action in actions {
            switch action {
            case .raised(let problem):
                logger.error("ALERT \(problem.code): \(problem.reason)", metadata: ["alert": "\(problem.code)"])
            case .cleared(let problem):
                logger.notice("alert over: \(problem.code)", metadata: ["alert": "\(problem.code)"])
            }
        }
        setGauges(snapshot)
        return snapshot
    }

    private func setGauges(_ snapshot: MonitorSnapshot) {
        for state in DropState.allCases {
            metrics.gauge("dropbridge_drops_in_state", [("state", state.rawValue)], Double(snapshot.drops.byState[state.rawValue] ?? 0))
        }
        metrics.gauge("dropbridge_oldest_unfinished_age_seconds", [], snapshot.drops.oldestUnfinishedAgeSeconds ?? 0)
        metrics.gauge("dropbridge_stuck_drops", [], Double(snapshot.drops.stuck.count))
        for folder in snapshot.folders {
            metrics.gauge("dropbridge_folder_files", [("folder", folder.name)], Double(folder.files))
            metrics.gauge("dropbridge_folder_oldest_age_seconds", [("folder", folder.name)], folder.oldestAgeSeconds ?? 0)
        }
        metrics.gauge("dropbridge_receive_offset_lag", [], Double(snapshot.receiving.pending))
        metrics.gauge("dropbridge_quarantined_notifications", [], Double(snapshot.receiving.quarantined))
        if let free = snapshot.diskFreeBytes { metrics.gauge("dropbridge_disk_free_bytes", [], Double(free)) }
        let active = Set(snapshot.problems.map(\.code))
        for code in Self.alertCodes {
            metrics.gauge("dropbridge_alert", [("alert", code)], active.contains(code) ? 1 : 0)
        }
        metrics.gauge("dropbridge_ready", [], snapshot.ready ? 1 : 0)
    }
}
