import GRDB

/// A HER-id whose `PUT /mshconfigurations` NHN refuses (403: the HelseID client does not cover
/// it; 423: another client holds its lock). The daemon keeps trying with a long backoff; the row
/// lets `dropbridge status` (another process) say why drops from that HER-id wait, and is gone
/// once NHN accepts.
package struct RegistrationRefusal: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "registrationRefusals"

    package var herId: Int
    package var reason: String
    package var httpStatus: Int?
    /// The first refusal of this run of refusals.
    package var since: Double
    package var refusedAt: Double
    /// When the registration is tried next.
    package var nextAttemptAt: Double?

    package init(herId: Int, reason: String, httpStatus: Int?, since: Double, refusedAt: Double, nextAttemptAt: Double?) {
        self.herId = herId
        self.reason = reason
        self.httpStatus = httpStatus
        self.since = since
        self.refusedAt = refusedAt
        self.nextAttemptAt = nextAttemptAt
    }
}

extension Ledger {
    static func registerRegistrationRefusalMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-registration-refusals") { db in
            try db.create(table: "registrationRefusals") { table in
                table.primaryKey("herId", .integer)
                table.column("reason", .text).notNull()
                table.column("httpStatus", .integer)
                table.column("since", .double).notNull()
                table.column("refusedAt", .double).notNull()
                table.column("nextAttemptAt", .double)
            }
        }
    }

    /// Records NHN's latest refusal (keeping when the refusals began).
    package func recordRegistrationRefusal(herId: Int, reason: String, httpStatus: Int?, now: Double, nextAttemptAt: Double?) async throws {
        try await groupCommitWrite { db in
            let since = try Double.fetchOne(db, sql: "SELECT since FROM registrationRefusals WHERE herId = ?", arguments: [herId]) ?? now
            try RegistrationRefusal(
                herId: herId, reason: reason, httpStatus: httpStatus, since: since, refusedAt: now, nextAttemptAt: nextAttemptAt
            ).save(db)
        }
    }

    /// Forgets refusals: of one HER-id (NHN accepted it), or all (a new run learns them again).
    package func clearRegistrationRefusals(herId: Int? = nil) async throws {
        try await groupCommitWrite { db in
            if let herId {
                try db.execute(sql: "DELETE FROM registrationRefusals WHERE herId = ?", arguments: [herId])
            } else {
                try db.execute(sql: "DELETE FROM registrationRefusals")
            }
        }
    }

    package func registrationRefusals() throws -> [RegistrationRefusal] {
        try database.read { db in try RegistrationRefusal.order(Column("herId")).fetchAll(db) }
    }

    /// Drops not yet filed whose sender is `herId` (those waiting for its registration).
    package func unfinishedDropCount(senderHerId herId: Int) throws -> Int {
        try database.read { db in
            try DropRecord.filter(Column("filedAt") == nil && Column("senderHerId") == herId).fetchCount(db)
        }
    }
}
