import DropbridgeCore
import Foundation
import GRDB

/// One correspondence of an Altinn drop: one row per recipient, written *before* its upload
/// (state `sending`, with the idempotent key) and after Altinn's answer. After a crash the key
/// makes the upload safe to repeat (409/1034 → the correspondence is looked up by key); a
/// recipient answered for good is never sent to again.
package struct AltinnSendRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "altinnSends"

    package enum State: String, Codable, Sendable {
        /// The upload has (perhaps) started; its answer is not recorded.
        case sending
        /// Altinn created the correspondence (`correspondenceId`).
        case accepted
        /// Altinn refused this recipient for good (`httpStatus`, `problem`, `reason`).
        case refused
    }

    /// The GUID sent as `idempotentKey`: UUIDv5 of the installation's namespace, the content
    /// hash, the resource and the recipient.
    package var idempotentKey: String
    package var dropId: Int64
    /// The recipient's position in the sidecar's `recipients`.
    package var recipientIndex: Int
    /// The recipient as a log line may show it (a person only as a hash: never the number).
    package var recipient: String
    package var state: State
    package var correspondenceId: String?
    package var httpStatus: Int?
    /// Altinn's ProblemDetails as JSON text (a bare JSON value would not survive the row's
    /// single-value decoding).
    package var problemJSON: String?
    package var reason: String?
    package var attempts: Int
    package var createdAt: Double
    package var updatedAt: Double
    package var acceptedAt: Double?

    // The status poller's view of the correspondence (receipts/NAME.status.json).
    /// The overview's `status` (the highest reached, as Altinn computes it).
    package var altinnStatus: String?
    package var statusText: String?
    package var publishedAt: String?
    package var readAt: String?
    package var confirmedAt: String?
    package var failedAt: String?
    /// `[{type, at}]` in the order first seen.
    package var events: [AltinnEvent]?
    /// No more polling: confirmed (or read without confirmation needed), failed, reserved or gone.
    package var pollDone: Bool
    package var nextPollAt: Double?
    package var pollFailures: Int

    package init(idempotentKey: String, dropId: Int64, recipientIndex: Int, recipient: String, now: Double) {
        self.idempotentKey = idempotentKey
        self.dropId = dropId
        self.recipientIndex = recipientIndex
        self.recipient = recipient
        state = .sending
        attempts = 0
        createdAt = now
        updatedAt = now
        pollDone = false
        pollFailures = 0
    }
}

extension AltinnSendRecord {
    package var problem: JSONValue? {
        get { problemJSON.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) } }
        set { problemJSON = newValue.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) } }
    }
}

/// One entry of a correspondence's history in `NAME.status.json`.
package struct AltinnEvent: Codable, Sendable, Equatable {
    package var type: String
    package var at: String
    package init(type: String, at: String) {
        self.type = type
        self.at = at
    }
}

extension AltinnSendRecord {
    /// Accepted and not yet final: the status poller follows it (`openAltinnPolls`).
    package var isFollowed: Bool { state == .accepted && !pollDone }
}
