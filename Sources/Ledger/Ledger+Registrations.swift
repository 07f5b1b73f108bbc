import GRDB

/// `PUT /mshconfigurations` that succeeded, per HER-id and configuration: sending from a HER-id
/// waits for its registration once, and a restart during an NHN outage need not wait again.
extension Ledger {
    static func registerRegistrationMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-registrations") { db in
            try db.create(table: "registrations") { table in
                table.primaryKey("herId", .integer)
                /// The configuration sent, as sent: a changed configuration must be sent again.
                table.column("configuration", .text).notNull()
                table.column("registeredAt", .double).notNull()
            }
        }
    }

    /// HER-ids registered with exactly `configuration(herId)`.
    package func registeredHerIds(configuration: (Int) -> String) throws -> Set<Int> {
        try database.read { db in
            var registered = Set<Int>()
            for row in try Row.fetchAll(db, sql: "SELECT herId, configuration FROM registrations") {
                let herId: Int = row["herId"]
                if configuration(herId) == row["configuration"] { registered.insert(herId) }
            }
            return registered
        }
    }

    package func recordRegistration(herIds: [Int], configuration: @escaping @Sendable (Int) -> String, now: Double) async throws {
        try await groupCommitWrite { db in
            for herId in herIds {
                try db.execute(
                    sql: "INSERT OR REPLACE INTO registrations (herId, configuration, registeredAt) VALUES (?, ?, ?)",
                    arguments: [herId, configuration(herId), now])
                // Accepted: no longer refused (same commit, so status never shows both).
                try db.execute(sql: "DELETE FROM registrationRefusals WHERE herId = ?", arguments: [herId])
            }
        }
    }

    /// NHN said the HER-id has no configuration (any more): it must be registered again.
    package func forgetRegistration(herId: Int) async throws {
        try await groupCommitWrite { db in
            try db.execute(sql: "DELETE FROM registrations WHERE herId = ?", arguments: [herId])
        }
    }
}
