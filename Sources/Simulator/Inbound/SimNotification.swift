#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The notification kinds NHN publishes (docs/nhn-edi.md §3.3).
public enum NotificationType: String, Sendable, Codable, CaseIterable {
    case newMessage = "NewMessage"
    case refusedMessage = "RefusedMessage"
    case messageSentStateUpdated = "MessageSentStateUpdated"
    case messageDeliveryStateUpdated = "MessageDeliveryStateUpdated"
    case messageApprecInfoUpdated = "MessageApprecInfoUpdated"
}

/// One notification, in the shape `GET /notifications` and the stream return.
public struct SimNotification: Sendable, Codable, Equatable {
    public var id: String
    public var relatedMessageId: String?
    public var type: NotificationType
    public var notificationReceiverHerId: Int
    public var notificationTriggeredByHerId: Int?
    public var description: String
    public var createdAt: Date
    /// Global across all HER-ids, so one HER-id sees gaps.
    public var offset: Int64
}

/// How the stream behaves; tests use the cuts to exercise reconnects.
public struct StreamSettings: Sendable, Codable, Equatable {
    /// A `: heartbeat` comment this often while the stream is idle or busy.
    public var heartbeatSeconds: Double
    /// End the response after this many `notification` events.
    public var cutAfterEvents: Int?
    /// End the response after this many seconds.
    public var cutAfterSeconds: Double?
    /// Refuse to open the stream with this HTTP status (e.g. 503), while polling still works:
    /// lets tests prove the fall-back to polling and the way back.
    public var refuseWithStatus: Int?
    /// The next this many streams go silent after `connected`: open, but nothing more arrives,
    /// not even heartbeats (a half-open connection). Counts down as streams open.
    public var stallStreams: Int

    public init(
        heartbeatSeconds: Double = 5, cutAfterEvents: Int? = nil, cutAfterSeconds: Double? = nil, refuseWithStatus: Int? = nil,
        stallStreams: Int = 0
    ) {
        self.heartbeatSeconds = heartbeatSeconds
        self.cutAfterEvents = cutAfterEvents
        self.cutAfterSeconds = cutAfterSeconds
        self.refuseWithStatus = refuseWithStatus
        self.stallStreams = stallStreams
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        heartbeatSeconds = try container.decodeIfPresent(Double.self, forKey: .heartbeatSeconds) ?? 5
        cutAfterEvents = try container.decodeIfPresent(Int.self, forKey: .cutAfterEvents)
        cutAfterSeconds = try container.decodeIfPresent(Double.self, forKey: .cutAfterSeconds)
        refuseWithStatus = try container.decodeIfPresent(Int.self, forKey: .refuseWithStatus)
        stallStreams = try container.decodeIfPresent(Int.self, forKey: .stallStreams) ?? 0
    }

    /// Reasons the settings cannot be used, empty when they can.
    public var problems: [String] {
        var problems: [String] = []
        if !(heartbeatSeconds > 0) { problems.append("heartbeatSeconds must be positive") }
        if let cutAfterEvents, cutAfterEvents < 1 { problems.append("cutAfterEvents must be at least 1") }
        if let refuseWithStatus, !(400...599).contains(refuseWithStatus) { problems.append("refuseWithStatus must be a 4xx or 5xx status") }
        if let cutAfterSeconds, !(cutAfterSeconds > 0) { problems.append("cutAfterSeconds must be positive") }
        if stallStreams < 0 { problems.append("stallStreams must not be negative") }
        return problems
    }
}

/// Pauses of a simulated foreign counterparty, each counted from the step before.
public struct CounterpartyDelays: Sendable, Codable, Equatable {
    /// Until `MessageSentStateUpdated`.
    public var sentSeconds: Double
    /// Until the transport receipt (`MessageDeliveryStateUpdated`, Acknowledged).
    public var deliveredSeconds: Double
    /// Until the AppRec Ok arrives.
    public var appRecSeconds: Double

    public init(sentSeconds: Double = 0.2, deliveredSeconds: Double = 0.2, appRecSeconds: Double = 0.2) {
        self.sentSeconds = sentSeconds
        self.deliveredSeconds = deliveredSeconds
        self.appRecSeconds = appRecSeconds
    }
}

/// An AppRec a client asked the simulator to send with `POST /messages/{id}/apprec`.
public struct ReceivedAppRec: Sendable, Codable, Equatable {
    /// The AppRec's own shipment id.
    public var id: String
    /// The received message it answers.
    public var originalMessageId: String
    public var appRecSenderHerId: Int
    public var appRecStatus: String
    public var appRecErrorList: [AppRecError]
    public var applicationName: String
    public var applicationVersion: String
    public var receivedAt: Date
}

public struct AppRecError: Sendable, Codable, Equatable {
    public var errorCode: String
    public var details: String
    public var description: String?
    public var oid: String?

    public init(errorCode: String, details: String, description: String? = nil, oid: String? = nil) {
        self.errorCode = errorCode
        self.details = details
        self.description = description
        self.oid = oid
    }
}
