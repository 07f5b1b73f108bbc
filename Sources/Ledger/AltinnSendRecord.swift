import DropbridgeCore
import Foundation
import GRDB

/// One correspondence of an Altinn drop: one row per recipient, written *before* its upload
/// (state `sending`, with the idempotent key) and after Altinn's answer. After a crash the key
/// makes the upload safe to repeat (409/1034 → the correspondence is looked up by key); a
/// recipient answered for good is never sent to again.
public struct AltinnSendRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "altinnSends"

    public enum State: String, Codable, Sendable {
        /// The upload has (perhaps) started; its answer is not recorded.
        case sending
        /// Altinn created the correspondence (`correspondenceId`).
        case accepted
        /// Altinn refused this recipient for good (`httpStatus`, `problem`, `reason`).
        case refused
    }

    /// The GUID sent as `idempotentKey`: UUIDv5 of the installation's namespace, the content
    /// hash, the resource and the recipient.
    public var idempotentKey: String
    public var dropId: Int64
    /// The recipient's position in the sidecar's `recipients`.
    public var recipientIndex: Int
    /// The recipient as a log line may show it (a person only as a hash: never the number).
    public var recipient: String
    public var state: State
    public var correspondenceId: String?
    public var httpStatus: Int?
    /// Altinn's ProblemDetails as JSON text (a bare JSON value would not survive the row's
    /// single-value decoding).
    public var problemJSON: String?
    public var reason: String?
    public var attempts: Int
    public var createdAt: Double
    public var updatedAt: Double
    public var acceptedAt: Double?

    // The status poller's view of the correspondence (receipts/NAME.status.json).
    /// The overview's `status` (the highest reached, as Altinn computes it).
    public var altinnStatus: String?
    public var statusText: String?
    public var publishedAt: String?
    public var readAt: String?
    public var confirmedAt: String?
    public var failedAt: String?
    /// `[{type, at}]` in the order first seen.
    public var events: [AltinnEvent]?
    /// No more polling: confirmed (or read without confirmation needed), failed, reserved or gone.
    public var pollDone: Bool
    public var nextPollAt: Double?
    public var pollFailures: Int

    public init(idempotentKey: String, dropId: Int64, recipientIndex: Int, recipient: String, now: Double) {
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
    public var problem: JSONValue? {
        get { problemJSON.flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) } }
        set { problemJSON = newValue.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) } }
    }
}

/// One entry of a correspondence's history in `NAME.status.json`.
public struct AltinnEvent: Codable, Sendable, Equatable {
    public var type: String
    public var at: String
    public init(type: String, at: String) {
        self.type = type
        self.at = at
    }
}
