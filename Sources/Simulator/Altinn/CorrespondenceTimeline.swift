#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Altinn's correspondence statuses (reference §6.1), with their numbers: the current status
/// is the highest number stored (ignoring Fetched), not the latest.
public enum CorrespondenceStatus: Int, Sendable, Codable, CaseIterable, Comparable {
    case initialized = 0, readyForPublish, published, fetched, read, replied, confirmed, purgedByRecipient,
        purgedByAltinn, archived, reserved, failed, attachmentsDownloaded, forwarded

    public var name: String {
        switch self {
        case .initialized: "Initialized"
        case .readyForPublish: "ReadyForPublish"
        case .published: "Published"
        case .fetched: "Fetched"
        case .read: "Read"
        case .replied: "Replied"
        case .confirmed: "Confirmed"
        case .purgedByRecipient: "PurgedByRecipient"
        case .purgedByAltinn: "PurgedByAltinn"
        case .archived: "Archived"
        case .reserved: "Reserved"
        case .failed: "Failed"
        case .attachmentsDownloaded: "AttachmentsDownloaded"
        case .forwarded: "Forwarded"
        }
    }

    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(name)
    }

    public init(from decoder: any Decoder) throws {
        let name = try decoder.singleValueContainer().decode(String.self)
        guard let status = Self.allCases.first(where: { $0.name.lowercased() == name.lowercased() }) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown status \(name)"))
        }
        self = status
    }
}

/// One entry of `statusHistory`.
public struct CorrespondenceStatusEvent: Sendable, Equatable {
    public var status: CorrespondenceStatus
    public var statusText: String
    public var statusChanged: Date
}

/// When a correspondence reaches each status, decided at creation from the settings and
/// moved on by the recipient's actions. A plain value: what the history is "now" is a
/// function of the clock, so no background job is needed and tests can ask about any instant.
struct CorrespondenceTimeline: Sendable, Equatable {
    let created: Date
    /// Reserved in KRR (among several recipients): never published.
    let reserved: Bool
    let hasAttachments: Bool
    /// When the publish job runs: after the malware scan, not before `requestedPublishTime`.
    let publishAt: Date
    /// Set when publishing fails for this recipient (Register, KRR, …).
    let failure: String?
    let isConfirmationNeeded: Bool
    private(set) var readAt: Date?
    private(set) var confirmedAt: Date?

    init(
        created: Date, reserved: Bool, hasAttachments: Bool, scanSeconds: Double, requestedPublishTime: Date?,
        failure: String?, isConfirmationNeeded: Bool, readSeconds: Double?, confirmSeconds: Double?
    ) {
        self.created = created
        self.reserved = reserved
        self.hasAttachments = hasAttachments
        self.failure = failure
        self.isConfirmationNeeded = isConfirmationNeeded
        let scanned = hasAttachments ? created + scanSeconds : created
        publishAt = max(scanned, requestedPublishTime ?? scanned)
        if !reserved, failure == nil, let readSeconds {
            readAt = publishAt + readSeconds
            if isConfirmationNeeded, let confirmSeconds, let readAt { confirmedAt = readAt + confirmSeconds }
        }
    }

    /// The initial status the create response reports.
    var initialStatus: CorrespondenceStatus {
        if reserved { return .reserved }
        return hasAttachments ? .initialized : .readyForPublish
    }

    /// The history as the sender sees it at `now`, in time order.
    func history(at now: Date) -> [CorrespondenceStatusEvent] {
        var events = [CorrespondenceStatusEvent(status: .initialized, statusText: "Initialized", statusChanged: created)]
        if reserved {
            events.append(.init(status: .reserved, statusText: "Recipient is reserved in KRR", statusChanged: created))
            return events
        }
        let ready = hasAttachments ? publishAt : created
        if ready <= now, failure == nil || !hasAttachments {
            events.append(.init(status: .readyForPublish, statusText: "Ready for publish", statusChanged: ready))
        }
        guard publishAt <= now else { return events }
        if let failure {
            events.append(.init(status: .failed, statusText: failure, statusChanged: publishAt))
            return events
        }
        events.append(.init(status: .published, statusText: "Published", statusChanged: publishAt))
        if let readAt, readAt <= now {
            events.append(.init(status: .fetched, statusText: "Fetched", statusChanged: readAt))
            events.append(.init(status: .read, statusText: "Read", statusChanged: readAt))
        }
        if let confirmedAt, confirmedAt <= now {
            events.append(.init(status: .confirmed, statusText: "Confirmed", statusChanged: confirmedAt))
        }
        return events
    }

    /// The highest status reached (Fetched never counts).
    func current(at now: Date) -> CorrespondenceStatusEvent {
        let events = history(at: now).filter { $0.status != .fetched }
        // `history` always holds Initialized.
        return events.max { $0.status < $1.status } ?? events[0]
    }

    func published(at now: Date) -> Date? {
        history(at: now).first { $0.status == .published }?.statusChanged
    }

    func read(at now: Date) -> Date? {
        history(at: now).first { $0.status == .read }?.statusChanged
    }

    enum RecipientActionRefusal: Error, Equatable {
        case notPublished, alreadyRead, notRead, confirmationNotNeeded, alreadyConfirmed
    }

    /// The recipient opens and reads it now (for correspondences whose read time is not set).
    mutating func markRead(at now: Date) throws(RecipientActionRefusal) {
        guard published(at: now) != nil else { throw .notPublished }
        if let readAt, readAt <= now { throw .alreadyRead }
        readAt = now
        if let confirmedAt, confirmedAt < now { self.confirmedAt = nil }
    }

    mutating func markConfirmed(at now: Date) throws(RecipientActionRefusal) {
        guard isConfirmationNeeded else { throw .confirmationNotNeeded }
        guard let readAt, readAt <= now else { throw .notRead }
        if let confirmedAt, confirmedAt <= now { throw .alreadyConfirmed }
        confirmedAt = now
    }
}
