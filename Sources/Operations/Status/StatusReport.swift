import Ledger

/// What `dropbridge status --json` prints, and what the metrics and the status page read: one
/// snapshot of a root, built by `StatusReporter` from the config, the ledger (read-only) and the
/// folders. The JSON shape is stable (README, "status --json"): keys are only ever added.
/// Times are Unix seconds; ages are seconds before `generatedAt`.
public struct StatusReport: Codable, Sendable, Equatable {
    /// Bumped only if a key changes meaning (never so far).
    public var formatVersion: Int = 1
    public var generatedAt: Double
    public var root: String
    /// Whether a daemon holds the root's lock, and when the ledger last saw progress.
    public var daemon: DaemonState
    /// `pause` / `resume`: false while sending is paused (receiving goes on).
    public var sendingPaused: Bool
    /// Exit 0 when empty; otherwise exit 1: each item needs an operator.
    public var needsOperator: [Attention]
    /// outbox, inbox, receipts, sent, failed, and `work` (claimed drops under .dropbridge/work).
    public var folders: [String: FolderStatus]
    public var ledger: Ledger.Summary
    public var oldestUnfinishedAgeSeconds: Double?
    /// Nil when receiving never started (nhn.receive off or no nhn.herIds).
    public var receiving: Ledger.ReceiveState?
    /// Received notifications that wait for an operator (`retry --message KEY`).
    public var quarantined: [Quarantined]
    /// Messages NHN will not deliver to a receiver (`Abandoned`, `Rejected`), by state.
    public var finalDeliveries: [String: Int]
    /// Automatic AppRecs sent again after an attempt whose answer was lost.
    public var appRecPossibleDuplicates: Int
    /// Unfinished drops claimed longer ago than the stuck threshold (held ones excepted).
    public var stuck: [StuckDrop]

    public var healthy: Bool { needsOperator.isEmpty }

    public struct DaemonState: Codable, Sendable, Equatable {
        /// `running`: a process holds `.dropbridge/lock`; `stopped`: nobody does;
        /// `unknown`: the lock file could not be probed (`detail` says why).
        public var lock: LockProbe.Holder
        public var detail: String?
        public var lastProgressAt: Double?
        public var lastProgressAgeSeconds: Double?
    }

    public struct FolderStatus: Codable, Sendable, Equatable {
        public var files: Int
        public var oldestAgeSeconds: Double?
        /// Set when the folder could not be listed (missing, no permission).
        public var error: String?
    }

    public struct Quarantined: Codable, Sendable, Equatable {
        public var key: String
        public var offset: Int64
        public var type: String
        public var reason: String?
        public var since: Double
    }

    public struct StuckDrop: Codable, Sendable, Equatable {
        public var name: String
        public var state: String
        public var claimedAt: Double
        public var ageSeconds: Double
        public var lastError: String?
    }

    /// One thing an operator must look at.
    public struct Attention: Codable, Sendable, Equatable {
        public enum Kind: String, Codable, Sendable {
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
        }

        public var kind: Kind
        /// The drop name or the notification key.
        public var subject: String
        public var reason: String
        /// The command that deals with it.
        public var action: String
    }
}
