import Foundation
import GRDB

/// One notification from NHN, recorded before anything is done about it (the reader commits a
/// batch of them together with the new offset), then handled from the ledger by the queue
/// worker. Each keeps its own attempts and next attempt, so one message in trouble holds up
/// no other.
package struct QueuedNotification: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "notificationQueue"

    package enum State: String, Codable, Sendable {
        /// To be handled at `nextAttemptAt`.
        case pending
        /// Its effect is durable.
        case done
        /// Permanent trouble: waits for an operator (`dropbridge retry --message`).
        case quarantined
    }

    /// NHN's cursor position: global, so it identifies the notification.
    package var offset: Int64
    /// `Ledger.offsetKey` of the HER-ids whose stream or poll brought it.
    package var herIds: String
    package var notificationId: String?
    package var type: String
    package var relatedMessageId: String?
    package var notificationReceiverHerId: Int?
    package var notificationTriggeredByHerId: Int?
    package var description: String?
    package var createdAt: String?
    package var state: State
    /// Failed attempts so far (a wait for our own sends is no failure).
    package var attempts: Int
    package var nextAttemptAt: Double
    package var lastError: String?
    package var queuedAt: Double
    package var updatedAt: Double

    package init(
        offset: Int64, herIds: String, notificationId: String?, type: String, relatedMessageId: String?,
        notificationReceiverHerId: Int?, notificationTriggeredByHerId: Int?, description: String?, createdAt: String?,
        queuedAt: Double
    ) {
        self.offset = offset
        self.herIds = herIds
        self.notificationId = notificationId
        self.type = type
        self.relatedMessageId = relatedMessageId
        self.notificationReceiverHerId = notificationReceiverHerId
        self.notificationTriggeredByHerId = notificationTriggeredByHerId
        self.description = description
        self.createdAt = createdAt
        state = .pending
        attempts = 0
        nextAttemptAt = queuedAt
        self.queuedAt = queuedAt
        updatedAt = queuedAt
    }

    /// How an operator names it (`retry --message`, the problem file): the message id, or the
    /// offset for a notification without a usable one (missing, or not a GUID: never a path).
    package var operatorKey: String {
        if let relatedMessageId, UUID(uuidString: relatedMessageId) != nil { return relatedMessageId }
        return "offset-\(offset)"
    }

    static func createTable(_ db: Database) throws {
        try db.create(table: databaseTableName) { table in
            table.primaryKey("offset", .integer)
            table.column("herIds", .text).notNull()
            table.column("notificationId", .text)
            table.column("type", .text).notNull()
            table.column("relatedMessageId", .text).indexed()
            table.column("notificationReceiverHerId", .integer)
            table.column("notificationTriggeredByHerId", .integer)
            table.column("description", .text)
            table.column("createdAt", .text)
            table.column("state", .text).notNull()
            table.column("attempts", .integer).notNull()
            table.column("nextAttemptAt", .double).notNull()
            table.column("lastError", .text)
            table.column("queuedAt", .double).notNull()
            table.column("updatedAt", .double).notNull()
        }
        // The worker reads pending items in offset order; done ones are history.
        try db.create(index: "notificationQueue_state_offset", on: databaseTableName, columns: ["state", "offset"])
    }
}
