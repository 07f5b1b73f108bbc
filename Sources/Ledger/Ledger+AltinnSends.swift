import DropbridgeCore
import Foundation
import GRDB

/// The Altinn channel's rows: the installation's private namespace for idempotent keys, and
/// one row per correspondence (`AltinnSendRecord`).
extension Ledger {
    static func registerAltinnMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-altinn-sends") { db in
            // Facts about this installation that must never change (e.g. the key namespace).
            try db.create(table: "installation") { table in
                table.primaryKey("key", .text)
                table.column("value", .text).notNull()
            }
            try db.create(table: "altinnSends") { table in
                // A drop retried by an operator is a new drop with the same keys: the key is
                // indexed, not unique; the row is the drop's recipient.
                table.primaryKey {
                    table.column("dropId", .integer).notNull()
                    table.column("recipientIndex", .integer).notNull()
                }
                table.column("idempotentKey", .text).notNull().indexed()
                table.column("recipient", .text).notNull()
                table.column("state", .text).notNull()
                table.column("correspondenceId", .text).indexed()
                table.column("httpStatus", .integer)
                table.column("problemJSON", .text)
                table.column("reason", .text)
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("createdAt", .double).notNull()
                table.column("updatedAt", .double).notNull()
                table.column("acceptedAt", .double)
                table.column("altinnStatus", .text)
                table.column("statusText", .text)
                table.column("publishedAt", .text)
                table.column("readAt", .text)
                table.column("confirmedAt", .text)
                table.column("failedAt", .text)
                table.column("events", .jsonText)
                table.column("pollDone", .boolean).notNull().defaults(to: false)
                table.column("nextPollAt", .double)
                table.column("pollFailures", .integer).notNull().defaults(to: 0)
            }
        }
    }

    /// The namespace of this installation's idempotent keys: random, made once, kept for ever
    /// (keys are global across Altinn, so nobody else may be able to reproduce them).
    package func altinnKeyNamespace() throws -> UUID {
        try database.write { db in
            if let text = try String.fetchOne(db, sql: "SELECT value FROM installation WHERE key = 'altinnKeyNamespace'"),
                let uuid = UUID(uuidString: text)
            {
                return uuid
            }
            let made = UUID()
            try db.execute(
                sql: "INSERT INTO installation (key, value) VALUES ('altinnKeyNamespace', ?)", arguments: [made.uuidString])
            return made
        }
    }

    package func altinnSends(dropId: Int64) throws -> [AltinnSendRecord] {
        try database.read { db in
            try AltinnSendRecord.filter(Column("dropId") == dropId).order(Column("recipientIndex")).fetchAll(db)
        }
    }

    /// Records the intent to upload (before the request): inserts the row, or counts one more
    /// attempt on a row still `sending`. Returns the row as stored (an answered one unchanged).
    package func recordAltinnAttempt(_ intent: AltinnSendRecord, now: Double) async throws -> AltinnSendRecord {
        try await groupCommitWrite { db in
            if var existing = try AltinnSendRecord.fetchOne(db, key: ["dropId": intent.dropId, "recipientIndex": intent.recipientIndex]) {
                guard existing.state == .sending else { return existing }
                existing.attempts += 1
                existing.updatedAt = now
                try existing.update(db)
                return existing
            }
            var row = intent
            row.attempts = 1
            row.createdAt = now
            row.updatedAt = now
            try row.insert(db)
            return row
        }
    }

    /// Applies `change` to one correspondence row, durably.
    @discardableResult
    package func updateAltinnSend(
        dropId: Int64, recipientIndex: Int, now: Double, _ change: @escaping @Sendable (inout AltinnSendRecord) -> Void
    ) async throws -> AltinnSendRecord {
        let (row, opened) = try await groupCommitWrite { db in
            guard var row = try AltinnSendRecord.fetchOne(db, key: ["dropId": dropId, "recipientIndex": recipientIndex]) else {
                throw LedgerError.missingDrop(dropId)
            }
            let wasFollowed = row.isFollowed
            change(&row)
            row.updatedAt = now
            try row.update(db)
            return (row, !wasFollowed && row.isFollowed)
        }
        // After the commit, so the poller woken by it finds the row.
        if opened { altinnPollsOpened.changed() }
        return row
    }

    /// Accepted correspondences whose status is still followed, soonest first.
    package func openAltinnPolls() throws -> [AltinnSendRecord] {
        try database.read { db in
            try AltinnSendRecord
                .filter(Column("state") == AltinnSendRecord.State.accepted.rawValue && Column("pollDone") == false)
                .order(Column("nextPollAt"), Column("dropId"), Column("recipientIndex"))
                .fetchAll(db)
        }
    }
}
