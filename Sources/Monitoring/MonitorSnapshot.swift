import Ledger
import Operations

/// What the bridge looks like at one moment, for `/readyz`, the status page and the gauges.
/// Names and reasons only: never document contents, identity numbers, tokens or keys.
package struct MonitorSnapshot: Sendable, Codable, Equatable {
    package var takenAt: Double
    package var version: String
    package var folders: [FolderReading]
    /// Free bytes on the root's filesystem (nil: could not be read).
    package var diskFreeBytes: Int64?
    /// The size of that filesystem.
    package var diskTotalBytes: Int64?
    /// Why the ledger does not take a write now (nil: it does).
    package var ledgerProblem: String?
    package var drops: DropReading
    package var receiving: ReceivingReading
    /// Each API as seen from the requests made to it.
    package var apis: [String: ReachabilityState]
    /// Drops filed per minute over the last hour, oldest first (60 entries).
    package var dropsPerMinute: [MinuteCount]
    /// Everything that stops the bridge from doing its work, or is stuck: empty when ready.
    package var problems: [HealthProblem]
    /// `dropbridge pause`: sending stopped by an operator (receiving goes on).
    package var sendingPaused = false
    /// When this daemon started (nil: not known).
    package var startedAt: Double?
    /// When the ledger last saw progress (a drop or a message moved).
    package var lastProgressAt: Double?
    /// Received notifications waiting for an operator (`retry --message KEY`), with why.
    package var quarantinedNotifications: [Ledger.NotedDrop] = []
    /// What `dropbridge status --json` prints, for the same moment (identity numbers hidden).
    package var status: StatusReport?

    package var ready: Bool { problems.isEmpty }

    package init(
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

    package struct FolderReading: Sendable, Codable, Equatable {
        package var name: String
        package var files: Int
        package var oldestAgeSeconds: Double?
        package var missing: Bool

        package init(name: String, files: Int, oldestAgeSeconds: Double?, missing: Bool) {
            self.name = name
            self.files = files
            self.oldestAgeSeconds = oldestAgeSeconds
            self.missing = missing
        }
    }

    package struct DropReading: Sendable, Codable, Equatable {
        package var byState: [String: Int]
        package var unfinished: Int
        package var oldestUnfinishedAgeSeconds: Double?
        package var possibleDuplicates: Int
        package var held: [Ledger.NotedDrop]
        package var retrying: [Ledger.NotedDrop]
        /// Unfinished longer than `alerts.stuckSeconds`, oldest first.
        package var stuck: [StuckDrop]
        /// The latest drops filed in `failed/`, newest first.
        package var recentFailures: [FailedDrop]
        /// The latest drops filed in `sent/`, newest first.
        package var recentlySent: [SentDrop] = []

        package init(
            byState: [String: Int] = [:], unfinished: Int = 0, oldestUnfinishedAgeSeconds: Double? = nil,
            possibleDuplicates: Int = 0, held: [Ledger.NotedDrop] = [], retrying: [Ledger.NotedDrop] = [],
            stuck: [StuckDrop] = [], recentFailures: [FailedDrop] = [], recentlySent: [SentDrop] = []
        ) {
            self.byState = byState
            self.unfinished = unfinished
            self.oldestUnfinishedAgeSeconds = oldestUnfinishedAgeSeconds
            self.possibleDuplicates = possibleDuplicates
            self.held = held
            self.retrying = retrying
            self.stuck = stuck
            self.recentFailures = recentFailures
            self.recentlySent = recentlySent
        }
    }

    package struct StuckDrop: Sendable, Codable, Equatable {
        package var name: String
        package var state: String
        package var ageSeconds: Double
        package var reason: String?

        package init(name: String, state: String, ageSeconds: Double, reason: String?) {
            self.name = name
            self.state = state
            self.ageSeconds = ageSeconds
            self.reason = reason
        }
    }

    package struct FailedDrop: Sendable, Codable, Equatable {
        package var name: String
        package var stage: String
        package var reason: String
        package var filedAt: Double

        package init(name: String, stage: String, reason: String, filedAt: Double) {
            self.name = name
            self.stage = stage
            self.reason = reason
            self.filedAt = filedAt
        }
    }

    package struct SentDrop: Sendable, Codable, Equatable {
        package var name: String
        package var channel: String
        /// NHN's message id; for Altinn the first recipient's correspondence id (every
        /// recipient's is in `receipts/NAME.sent.json`).
        package var messageId: String?
        package var filedAt: Double
        /// From the claim to the service's acceptance.
        package var claimToAcceptedSeconds: Double?

        package init(name: String, channel: String, messageId: String?, filedAt: Double, claimToAcceptedSeconds: Double?) {
            self.name = name
            self.channel = channel
            self.messageId = messageId
            self.filedAt = filedAt
            self.claimToAcceptedSeconds = claimToAcceptedSeconds
        }
    }

    package struct ReceivingReading: Sendable, Codable, Equatable {
        /// `nhn.receive` is not off and there are HER-ids to receive for.
        package var configured: Bool
        /// `registering`, `streaming`, `polling`, `refused`, `stopped` (nil: never started).
        package var state: String?
        package var detail: String?
        package var since: Double?
        package var offsets: [String: Int64]
        /// Notifications recorded but not handled yet.
        package var pending: Int
        package var quarantined: Int
        package var lastNotificationAt: Double?

        package init(
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

    package struct MinuteCount: Sendable, Codable, Equatable {
        /// Seconds since 1970 of the minute's start.
        package var minute: Double
        package var sent: Int
        package var failed: Int

        package init(minute: Double, sent: Int, failed: Int) {
            self.minute = minute
            self.sent = sent
            self.failed = failed
        }
    }
}

/// One reason the bridge is not ready, or work is stuck. `code` is stable for monitoring.
package struct HealthProblem: Sendable, Codable, Equatable, Hashable {
    package var code: String
    package var reason: String

    package init(code: String, reason: String) {
        self.code = code
        self.reason = reason
    }
}
