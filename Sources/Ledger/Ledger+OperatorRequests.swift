import GRDB

/// What an operator asked a running daemon to do (`release`, `retry --now`, `pause`, `resume`),
/// through the ledger rather than signals: the command records the request, the daemon picks it
/// up within a second or so (or at its next start), does it, and records what it did, which the
/// command waits for and prints. The row stays as the record of the action.
package struct OperatorRequest: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "operatorRequests"

    package enum Action: String, Codable, Sendable, CaseIterable {
        /// Held drops go back to work.
        case release
        /// Drops waiting in backoff (or for an arrival proof) are tried at once.
        case retryNow
        case pause
        case resume
    }

    package var id: Int64?
    package var action: Action
    /// Drop names; nil for every drop the action applies to (`--all`), and for pause/resume.
    package var names: [String]?
    package var requestedAt: Double
    /// Who asked (the user name of the command's process), for the log.
    package var requestedBy: String
    package var doneAt: Double?
    /// What the daemon did, one line an operator reads.
    package var outcome: String?

    package init(action: Action, names: [String]?, requestedAt: Double, requestedBy: String) {
        self.action = action
        self.names = names
        self.requestedAt = requestedAt
        self.requestedBy = requestedBy
    }

    package mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension Ledger {
    static func registerOperatorMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-ops-operator-requests") { db in
            try db.create(table: "operatorRequests") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("action", .text).notNull()
                table.column("names", .jsonText)
                table.column("requestedAt", .double).notNull()
                table.column("requestedBy", .text).notNull()
                table.column("doneAt", .double).indexed()
                table.column("outcome", .text)
            }
            // Switches the daemon obeys, e.g. `sendingPaused`; kept across restarts.
            try db.create(table: "operatorSwitches") { table in
                table.primaryKey("key", .text)
                table.column("on", .boolean).notNull()
                table.column("updatedAt", .double).notNull()
            }
        }
    }

    package func addOperatorRequest(_ request: OperatorRequest) throws -> OperatorRequest {
        try database.write { db in
            var request = request
            try request.insert(db)
            return request
        }
    }

    package func pendingOperatorRequests() throws -> [OperatorRequest] {
        try database.read { db in
            try OperatorRequest.filter(Column("doneAt") == nil).order(Column("id")).fetchAll(db)
        }
    }

    package func operatorRequest(id: Int64) throws -> OperatorRequest? {
        try database.read { db in try OperatorRequest.fetchOne(db, key: id) }
    }

    package func finishOperatorRequest(id: Int64, outcome: String, now: Double) async throws {
        try await groupCommitWrite { db in
            try db.execute(sql: "UPDATE operatorRequests SET doneAt = ?, outcome = ? WHERE id = ?", arguments: [now, outcome, id])
        }
    }

    package static let sendingPausedSwitch = "sendingPaused"

    package func operatorSwitch(_ key: String) throws -> Bool {
        try database.read { db in
            try Bool.fetchOne(db, sql: "SELECT \"on\" FROM operatorSwitches WHERE key = ?", arguments: [key]) ?? false
        }
    }

    /// A switch with the time it last changed; nil when it was never set.
    package func operatorSwitchState(_ key: String) throws -> (on: Bool, since: Double)? {
        try database.read { db in
            guard let row = try Row.fetchOne(db, sql: "SELECT \"on\", updatedAt FROM operatorSwitches WHERE key = ?", arguments: [key]) else {
                return nil
            }
            return (row["on"], row["updatedAt"])
        }
    }

    /// The newest request of `action` (e.g. who paused sending).
    package func latestOperatorRequest(_ action: OperatorRequest.Action) throws -> OperatorRequest? {
        try database.read { db in
            try OperatorRequest.filter(Column("action") == action.rawValue).order(Column("id").desc).fetchOne(db)
        }
    }

    package func setOperatorSwitch(_ key: String, on: Bool, now: Double) async throws {
        try await groupCommitWrite { db in
            try db.execute(
                sql: """
                    INSERT INTO operatorSwitches (key, "on", updatedAt) VALUES (?, ?, ?)
                    ON CONFLICT(key) DO UPDATE SET "on" = excluded."on", updatedAt = excluded.updatedAt
                    """,
                arguments: [key, on, now])
        }
    }
}
