import Foundation
import Ledger

/// What `dropbridge status --json` prints, and what the metrics and the status page read: one
/// snapshot of a root, built by `StatusReporter` from the config, the ledger (read-only) and the
/// folders. The JSON shape is stable (README, "status --json"): keys are only ever added.
/// Times are Unix seconds; ages are seconds before `generatedAt`.
package struct StatusReport: Codable, Sendable, Equatable {
    /// Bumped only if a key changes meaning (never so far).
    package var formatVersion: Int = 1
    package var generatedAt: Double
    package var root: String
    /// Whether a daemon holds the root's lock, and when the ledger last saw progress.
    package var daemon: DaemonState
    /// `pause` / `resume`: false while sending is paused (receiving goes on).
    package var sendingPaused: Bool
    /// While paused: since when and who asked (nil while sending).
    package var pause: Pause?
    /// Exit 0 when empty; otherwise exit 1: each item needs an operator.
    package var needsOperator: [Attention]
    /// outbox, inbox, receipts, sent, failed, and `work` (claimed drops under .dropbridge/work).
    package var folders: [String: FolderStatus]
    package var ledger: Ledger.Summary
    package var oldestUnfinishedAgeSeconds: Double?
    /// Nil when receiving never started (nhn.receive off or no nhn.herIds).
    package var receiving: Ledger.ReceiveState?
    /// Received notifications that wait for an operator (`retry --message KEY`).
    package var quarantined: [Quarantined]
    /// Messages NHN will not deliver to a receiver (`Abandoned`, `Rejected`), by state.
    package var finalDeliveries: [String: Int]
    /// Automatic AppRecs sent again after an attempt whose answer was lost.
    package var appRecPossibleDuplicates: Int
    /// Unfinished drops claimed longer ago than the stuck threshold (held ones excepted).
    package var stuck: [StuckDrop]

    package var healthy: Bool { needsOperator.isEmpty }

    /// `dropbridge pause` in force: drops wait claimed (nothing is sent) until `resume`.
    package struct Pause: Codable, Sendable, Equatable {
        /// When the switch was turned on (Unix seconds).
        package var since: Double
        package var ageSeconds: Double
        /// The user who ran `dropbridge pause`, when recorded.
        package var by: String?

        package init(since: Double, ageSeconds: Double, by: String?) {
            self.since = since
            self.ageSeconds = ageSeconds
            self.by = by
        }

        /// One sentence for the terminal, the status page and `/readyz`.
        package var reason: String {
            let who = by.map { " by \($0)" } ?? ""
            return "sending is paused since \(StatusReport.utc(since)) (\(StatusText.age(ageSeconds)) ago)\(who): no drop is sent (receiving goes on)"
        }
    }

    /// ISO 8601 in UTC, to the second.
    package static func utc(_ seconds: Double) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: seconds.rounded(.down)))
    }

    package struct DaemonState: Codable, Sendable, Equatable {
        /// `running`: a process holds `.dropbridge/lock`; `stopped`: nobody does;
        /// `unknown`: the lock file could not be probed (`detail` says why).
        package var lock: LockProbe.Holder
        package var detail: String?
        package var lastProgressAt: Double?
        package var lastProgressAgeSeconds: Double?
    }

    package struct FolderStatus: Codable, Sendable, Equatable {
        package var files: Int
        package var oldestAgeSeconds: Double?
        /// Set when the folder could not be listed (missing, no permission).
        package var error: String?
    }

    package struct Quarantined: Codable, Sendable, Equatable {
        package var key: String
        package var offset: Int64
        package var type: String
        package var reason: String?
        package var since: Double
    }

    package struct StuckDrop: Codable, Sendable, Equatable {
        package var name: String
        package var state: String
        package var claimedAt: Double
        package var ageSeconds: Double
        package var lastError: String?
    }

    /// One thing an operator must look at.
    package struct Attention: Codable, Sendable, Equatable {
        package enum Kind: String, Codable, Sendable {
            /// A drop held after 401/423/credentials refused: `dropbridge release NAME`.
            case held
            /// A received notification in permanent trouble: `dropbridge retry --message KEY`.
            case quarantined
            /// A drop unfinished for longer than the stuck threshold.
            case stuck
            /// Files waiting in `inbox/` longer than `alerts.inboxSeconds`: is the EPJ importing?
            case inboxWaiting
            /// Less free space than `alerts.minFreeBytes`: receiving pauses until there is room.
            case diskNearlyFull
            /// `dropbridge pause` is in force: nothing is sent until `dropbridge resume`.
            case sendingPaused
            /// NHN refuses `PUT /mshconfigurations` for a HER-id: drops from it wait (and go on by
            /// themselves once NHN accepts; the daemon keeps trying).
            case registrationRefused
        }

        package var kind: Kind
        /// The drop name or the notification key.
        package var subject: String
        package var reason: String
        /// The command that deals with it.
        package var action: String
    }
}
