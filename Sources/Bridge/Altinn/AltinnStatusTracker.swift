import AltinnClient
import DropbridgeCore
import Foundation
import Ledger

/// What one overview poll means for one correspondence, as a plain value: which milestones it
/// reached (each kept with its own time, so a later, higher-numbered status such as
/// `AttachmentsDownloaded` never hides `Confirmed`), the events to add, whether polling is done,
/// and when to look again.
public struct AltinnStatusTracker: Sendable, Equatable {
    /// A correspondence in `Initialized` longer than this is reported as stuck (the malware
    /// scan may take minutes: Altinn's own test waits 10).
    public static let stuckAfterSeconds: Double = 15 * 60
    public static let firstInterval: Double = 1
    public var maxInterval: Double

    public init(maxInterval: Double = 300) { self.maxInterval = maxInterval }

    /// The status of the receipt: the highest milestone reached (failed overrides all).
    public static func receiptStatus(_ row: AltinnSendRecord) -> String {
        if row.failedAt != nil { return "failed" }
        if row.confirmedAt != nil { return "confirmed" }
        if row.readAt != nil { return "read" }
        if row.publishedAt != nil { return "published" }
        return row.state == .accepted ? "accepted" : row.state.rawValue
    }

    /// Applies an overview (nil: gone, 404) to the row; true when anything a receipt shows changed.
    public func apply(_ overview: CorrespondenceOverview?, to row: inout AltinnSendRecord, now: Double) -> Bool {
        let before = row
        var events = row.events ?? []
        func note(_ type: String, _ at: String) { if !events.contains(where: { $0.type == type }) { events.append(AltinnEvent(type: type, at: at)) } }
        let nowText = Timestamp.iso8601(now)
        guard let overview else {
            // Purged (404/1001): nothing more will change.
            note("purged", nowText)
            row.events = events
            row.altinnStatus = "Purged"
            row.pollDone = true
            return true
        }
        row.altinnStatus = overview.status
        if let text = overview.statusText { row.statusText = text }
        let changed = overview.statusChanged ?? nowText
        if let published = overview.published, row.publishedAt == nil {
            row.publishedAt = published
            note("published", published)
        }
        if let read = overview.read, row.readAt == nil {
            row.readAt = read
            note("read", read)
        }
        switch overview.status {
        case "Published" where row.publishedAt == nil:
            row.publishedAt = changed
            note("published", changed)
        case "Read" where row.readAt == nil:
            row.readAt = changed
            note("read", changed)
        case "Confirmed" where row.confirmedAt == nil:
            row.confirmedAt = changed
            note("confirmed", changed)
        case "Failed" where row.failedAt == nil:
            row.failedAt = changed
            note("failed", changed)
        case "Reserved":
            note("reserved", changed)
        default:
            break
        }
        row.events = events
        let confirmationNeeded = overview.isConfirmationNeeded ?? false
        row.pollDone =
            row.failedAt != nil || row.confirmedAt != nil || (row.readAt != nil && !confirmationNeeded)
            || ["Reserved", "PurgedByRecipient", "PurgedByAltinn"].contains(overview.status)
        let moved = row.publishedAt != before.publishedAt || row.readAt != before.readAt || row.confirmedAt != before.confirmedAt
            || row.failedAt != before.failedAt || row.altinnStatus != before.altinnStatus || row.statusText != before.statusText
            || row.pollDone != before.pollDone
        // Backoff while nothing happens; a change starts short again.
        row.pollFailures = moved ? 0 : row.pollFailures + 1
        row.nextPollAt = now + interval(quiet: row.pollFailures)
        return moved
    }

    /// Statuses numbered above `Confirmed` that are not final: as Altinn's status is the highest
    /// number reached, they hide a confirmation the overview has no timestamp for.
    static let hidingConfirmed: Set<String> = ["Archived", "AttachmentsDownloaded", "Forwarded"]

    /// Whether the status history (`/details`) must be read once to know if it was confirmed.
    public static func needsHistory(_ overview: CorrespondenceOverview?, _ row: AltinnSendRecord) -> Bool {
        guard let overview, overview.isConfirmationNeeded == true, row.confirmedAt == nil else { return false }
        return hidingConfirmed.contains(overview.status)
    }

    /// Takes a confirmation (or failure) from the status history; true when one was found.
    public func applyHistory(_ history: [CorrespondenceOverview], to row: inout AltinnSendRecord) -> Bool {
        var events = row.events ?? []
        var found = false
        for entry in history {
            let at = entry.statusChanged ?? Timestamp.iso8601(Timestamp.now())
            if entry.status == "Confirmed", row.confirmedAt == nil {
                row.confirmedAt = at
                events.append(AltinnEvent(type: "confirmed", at: at))
                found = true
            } else if entry.status == "Failed", row.failedAt == nil {
                row.failedAt = at
                if let text = entry.statusText { row.statusText = text }
                events.append(AltinnEvent(type: "failed", at: at))
                found = true
            }
        }
        row.events = events
        if found {
            row.pollDone = true
            row.pollFailures = 0
        }
        return found
    }

    /// After a failed poll (network, 5xx): back off, keep the row.
    public func failed(_ row: inout AltinnSendRecord, now: Double) {
        row.pollFailures += 1
        row.nextPollAt = now + interval(quiet: row.pollFailures)
    }

    func interval(quiet: Int) -> Double {
        min(maxInterval, Self.firstInterval * pow(2, Double(min(quiet, 20))))
    }

    /// Still `Initialized` well past the malware scan's usual time.
    public static func isStuck(_ row: AltinnSendRecord, now: Double) -> Bool {
        row.altinnStatus == "Initialized" && now - (row.acceptedAt ?? row.createdAt) > stuckAfterSeconds
    }
}

/// `receipts/NAME.status.json` of an Altinn drop: per recipient the highest status reached with
/// its times, and the history of events.
public struct AltinnStatusReceipt: Codable, Sendable, Equatable {
    public struct Recipient: Codable, Sendable, Equatable {
        public var recipient: String
        public var correspondenceId: String?
        /// accepted, published, read, confirmed or failed: the highest reached, by timestamps.
        public var status: String
        /// Altinn's own status from the last overview.
        public var altinnStatus: String?
        public var statusText: String?
        public var published: String?
        public var read: String?
        public var confirmed: String?
        public var failed: String?
        /// No more changes are expected (polling stopped).
        public var final: Bool
        /// Still `Initialized` long after the malware scan should have finished.
        public var stuck: Bool?
    }

    public struct Event: Codable, Sendable, Equatable {
        public var type: String
        public var at: String
        public var recipient: String
    }

    public var name: String
    public var channel: String
    public var recipients: [Recipient]
    public var events: [Event]

    public init(name: String, rows: [AltinnSendRecord], now: Double) {
        self.name = name
        channel = "altinn"
        let accepted = rows.filter { $0.state == .accepted }
        recipients = accepted.map { row in
            Recipient(
                recipient: row.recipient, correspondenceId: row.correspondenceId, status: AltinnStatusTracker.receiptStatus(row),
                altinnStatus: row.altinnStatus, statusText: row.statusText, published: row.publishedAt, read: row.readAt,
                confirmed: row.confirmedAt, failed: row.failedAt, final: row.pollDone,
                stuck: AltinnStatusTracker.isStuck(row, now: now) ? true : nil)
        }
        events = accepted.flatMap { row in
            (row.events ?? []).map { Event(type: $0.type, at: $0.at, recipient: row.recipient) }
        }.sorted { ($0.at, $0.recipient) < ($1.at, $1.recipient) }
    }
}
