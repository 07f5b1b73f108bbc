#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The notification kinds NHN publishes (docs/nhn-edi.md §3.3).
package enum NotificationType: String, Sendable, Codable, CaseIterable {
    case newMessage = "NewMessage"
    case refusedMessage = "RefusedMessage"
    case messageSentStateUpdated = "MessageSentStateUpdated"
    case messageDeliveryStateUpdated = "MessageDeliveryStateUpdated"
    case messageApprecInfoUpdated = "MessageApprecInfoUpdated"
}

/// One notification, in the shape `GET /notifications` and the stream return.
package struct SimNotification: Sendable, Codable, Equatable {
    /// Always nil: NHN's notifications carry no id (docs/nhn-edi.md §13.1; one portal example
    /// shows one), so clients must key on the offset. Left out of the JSON when nil.
    package var id: String?
    package var relatedMessageId: String?
    package var type: NotificationType
    package var notificationReceiverHerId: Int
    package var notificationTriggeredByHerId: Int?
    package var description: String
    package var createdAt: Date
    /// Global across all HER-ids, so one HER-id sees gaps.
    package var offset: Int64
}

/// How the stream behaves; tests use the cuts to exercise reconnects.
package struct StreamSettings: Sendable, Codable, Equatable {
    /// A `: heartbeat` comment this often while the stream is idle or busy.
    package var heartbeatSeconds: Double
    /// End the response after this many `notification` events.
    package var cutAfterEvents: Int?
    /// End the response after this many seconds.
    package var cutAfterSeconds: Double?
    /// Refuse to open the stream with this HTTP status (e.g. 503), while polling still works:
    /// lets tests prove the fall-back to polling and the way back. 204 answers an empty stream.
    package var refuseWithStatus: Int?
    /// The next this many streams go silent after `connected`: open, but nothing more arrives,
    /// not even heartbeats (a half-open connection). Counts down as streams open.
    package var stallStreams: Int

    package init(
        heartbeatSeconds: Double = 5, cutAfterEvents: Int? = nil, cutAfterSeconds: Double? = nil, refuseWithStatus: Int? = nil,
        stallStreams: Int = 0
    ) {
        self.heartbeatSeconds = heartbeatSeconds
        self.cutAfterEvents = cutAfterEvents
        self.cutAfterSeconds = cutAfterSeconds
        self.refuseWithStatus = refuseWithStatus
        self.stallStreams = stallStreams
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        heartbeatSeconds = try container.decodeIfPresent(Double.self, forKey: .heartbeatSeconds) ?? 5
        cutAfterEvents = try container.decodeIfPresent(Int.self, forKey: .cutAfterEvents)
        cutAfterSeconds = try container.decodeIfPresent(Double.self, forKey: .cutAfterSeconds)
        refuseWithStatus = try container.decodeIfPresent(Int.self, forKey: .refuseWithStatus)
        stallStreams = try container.decodeIfPresent(Int.self, forKey: .stallStreams) ?? 0
    }

    /// Reasons the settings cannot be used, empty when they can.
    package var problems: [String] {
        var problems: [String] = []
        if !(heartbeatSeconds > 0) { problems.append("heartbeatSeconds must be positive") }
        if let cutAfterEvents, cutAfterEvents < 1 { problems.append("cutAfterEvents must be at least 1") }
        if let refuseWithStatus, refuseWithStatus != 204, !(400...599).contains(refuseWithStatus) {
            problems.append("refuseWithStatus must be 204 (an empty stream) or a 4xx or 5xx status")
        }
        if let cutAfterSeconds, !(cutAfterSeconds > 0) { problems.append("cutAfterSeconds must be positive") }
        if stallStreams < 0 { problems.append("stallStreams must not be negative") }
        return problems
    }
}

/// Pauses of a simulated foreign counterparty, each counted from the step before.
package struct CounterpartyDelays: Sendable, Codable, Equatable {
    /// Until `MessageSentStateUpdated`.
    package var sentSeconds: Double
    /// Until the transport receipt (`MessageDeliveryStateUpdated`, Acknowledged).
    package var deliveredSeconds: Double
    /// Until the AppRec Ok arrives.
    package var appRecSeconds: Double

    package init(sentSeconds: Double = 0.2, deliveredSeconds: Double = 0.2, appRecSeconds: Double = 0.2) {
        self.sentSeconds = sentSeconds
        self.deliveredSeconds = deliveredSeconds
        self.appRecSeconds = appRecSeconds
    }
}

/// An AppRec a client asked the simulator to send with `POST /messages/{id}/apprec`.
package struct ReceivedAppRec: Sendable, Codable, Equatable {
    /// The AppRec's own shipment id.
    package var id: String
    /// The received message it answers.
    package var originalMessageId: String
    package var appRecSenderHerId: Int
    package var appRecStatus: String
    package var appRecErrorList: [AppRecError]
    package var applicationName: String
    package var applicationVersion: String
    package var receivedAt: Date
}

package struct AppRecError: Sendable, Codable, Equatable {
    package var errorCode: String
    package var details: String
    package var description: String?
    package var oid: String?

    package init(errorCode: String, details: String, description: String? = nil, oid: String? = nil) {
        self.errorCode = errorCode
        self.details = details
        self.description = description
        self.oid = oid
    }
}
