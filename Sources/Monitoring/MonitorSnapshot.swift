import Ledger
import Operations

/// What the bridge looks like at one moment, for `/readyz`, the status page and the gauges.
/// Names and reasons only: never document contents, identity numbers, tokens or keys.
public struct MonitorSnapshot: Sendable, Codable, Equatable {
    public var takenAt: Double
    public var version: String
    public var folders: [FolderReading]
    /// Free bytes on the root's filesystem (nil: could not be read).
    public var diskFreeBytes: Int64?
    /// The size of that filesystem.
    public var diskTotalBytes: Int64?
    /// Why the ledger does not take a write now (nil: it does).
    public var ledgerProblem: String?
    public var drops: DropReading
    public var receiving: ReceivingReading
    /// Each API as seen from the requests made to it.
    public var apis: [String: ReachabilityState]
    /// Drops filed per minute over the last hour, oldest first (60 entries).
    public var dropsPerMinute: [MinuteCount]
    /// Everything that stops the bridge from doing its work, or is stuck: empty when ready.
    public var problems: [HealthProblem]
    /// `dropbridge pause`: sending stopped by an operator (receiving goes on).
    public var sendingPaused = false
    /// When the ledger last saw progress (a drop or a message moved).
    public var lastProgressAt: Double?
    /// Received notifications waiting for an operator (`retry --message KEY`), with why.
    public var quarantinedNotifications: [Ledger.NotedDrop] = []
    /// What `dropbridge status --json` prints, for the same moment (identity numbers hidden).
    public var status: StatusReport?

    public var ready: Bool { problems.isEmpty }

    public init(
        takenAt: Double, version: String, folders: [FolderReading], diskFreeBytes: Int64?, ledgerProblem: String?,
        drops: DropReading, receiving: ReceivingReading, apis: [String: ReachabilityState], dropsPerMinute: [MinuteCount],
        problems: [HealthProblem]
    ) {
        self.takenAt = takenAt
        self.version = version
        self.folders = folders
        self.diskFreeBytes = diskFreeBytes
        self.ledgerProblem = ledgerProblem
        self.drops = drops
        self.receiving = receiving
        self.apis = apis
        self.dropsPerMinute = dropsPerMinute
        self.problems = problems
    }

    public struct FolderReading: Sendable, Codable, Equatable {
        public var name: String
        public var files: Int
        public var oldestAgeSeconds: Double?
        public var missing: Bool

        public init(name: String, files: Int, oldestAgeSeconds: Double?, missing: Bool) {
            self.name = name
            self.files = files
            self.oldestAgeSeconds = oldestAgeSeconds
            self.missing = missing
        }
    }

    public struct DropReading: Sendable, Codable, Equatable {
        public var byState: [String: Int]
        public var unfinished: Int
        public var oldestUnfinishedAgeSeconds: Double?
        public var possibleDuplicates: Int
        public var held: [Ledger.NotedDrop]
        public var retrying: [Ledger.NotedDrop]
        /// Unfinished longer than `alerts.stuckSeconds`, oldest first.
        public var stuck: [StuckDrop]
        /// The latest drops filed in `failed/`, newest first.
        public var recentFailures: [FailedDrop]

        public init(
            byState: [String: Int] = [:], unfinished: Int = 0, oldestUnfinishedAgeSeconds: Double? = nil,
            possibleDuplicates: Int = 0, held: [Ledger.NotedDrop] = [], retrying: [Ledger.NotedDrop] = [],
            stuck: [StuckDrop] = [], recentFailures: [FailedDrop] = []
        ) {
            self.byState = byState
            self.unfinished = unfinished
            self.oldestUnfinishedAgeSeconds = oldestUnfinishedAgeSeconds
            self.possibleDuplicates = possibleDuplicates
            self.held = held
            self.retrying = retrying
            self.stuck = stuck
            self.recentFailures = recentFailures
        }
    }

    public struct StuckDrop: Sendable, Codable, Equatable {
        public var name: String
        public var state: String
        public var ageSeconds: Double
        public var reason: String?

        public init(name: String, state: String, ageSeconds: Double, reason: String?) {
            self.name = name
            self.state = state
            self.ageSeconds = ageSeconds
            self.reason = reason
        }
    }

    public struct FailedDrop: Sendable, Codable, Equatable {
        public var name: String
        public var stage: String
        public var reason: String
        public var filedAt: Double

        public init(name: String, stage: String, reason: String, filedAt: Double) {
            self.name = name
            self.stage = stage
            self.reason = reason
            self.filedAt = filedAt
        }
    }

    public struct ReceivingReading: Sendable, Codable, Equatable {
        /// `nhn.receive` is not off and there are HER-ids to receive for.
        public var configured: Bool
        /// `registering`, `streaming`, `polling`, `refused`, `stopped` (nil: never started).
        public var state: String?
        public var detail: String?
        public var since: Double?
        public var offsets: [String: Int64]
        /// Notifications recorded but not handled yet.
        public var pending: Int
        public var quarantined: Int
        public var lastNotificationAt: Double?

        public init(
            configured: Bool, state: String? = nil, detail: String? = nil, since: Double? = nil,
            offsets: [String: Int64] = [:], pending: Int = 0, quarantined: Int = 0, lastNotificationAt: Double? = nil
        ) {
            self.configured = configured
            self.state = state
            self.detail = detail
            self.since = since
            self.offsets = offsets
            self.pending = pending
            self.quarantined = quarantined
            self.lastNotificationAt = lastNotificationAt
        }
    }

    public struct MinuteCount: Sendable, Codable, Equatable {
        /// Seconds since 1970 of the minute's start.
        public var minute: Double
        public var sent: Int
        public var failed: Int

        public init(minute: Double, sent: Int, failed: Int) {
            self.minute = minute
            self.sent = sent
            self.failed = failed
        }
    }
}

/// One reason the bridge is not ready, or work is stuck. `code` is stable for monitoring.
public struct HealthProblem: Sendable, Codable, Equatable, Hashable {
    public var code: String
    public var reason: String

    public init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }
}
