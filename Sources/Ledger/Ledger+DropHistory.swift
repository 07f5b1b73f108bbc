import Foundation
import GRDB

/// Every drop's history (`dropbridge show NAME`): one row per change of state, attempts, error,
/// message id, release name or filing, written by SQLite triggers in the same transaction as the
/// change itself, so no code path that updates a drop can forget it and no crash can split them.
public struct DropHistoryEvent: Codable, Sendable, Equatable, FetchableRecord {
    public static let databaseTableName = "dropEvents"

    public var id: Int64
    public var dropId: Int64
    public var at: Double
    public var name: String
    public var state: DropState
    public var attempts: Int
    public var messageId: String?
    public var lastError: String?
    /// The permanent refusal's reason, once failed.
    public var failureReason: String?
    public var nextAttemptAt: Double?
    public var releasedAs: String?
    public var filedAt: Double?
}

extension Ledger {
    static func registerDropHistoryMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-ops-drop-history") { db in
            try db.create(table: "dropEvents") { table in
                table.autoIncrementedPrimaryKey("id")
                table.column("dropId", .integer).notNull().indexed()
                table.column("at", .double).notNull()
                table.column("name", .text).notNull()
                table.column("state", .text).notNull()
                table.column("attempts", .integer).notNull()
                table.column("messageId", .text)
                table.column("lastError", .text)
                table.column("failureReason", .text)
                table.column("nextAttemptAt", .double)
                table.column("releasedAs", .text)
                table.column("filedAt", .double)
            }
            let values = """
                (dropId, at, name, state, attempts, messageId, lastError, failureReason, nextAttemptAt, releasedAs, filedAt)
                VALUES (NEW.id, NEW.updatedAt, NEW.name, NEW.state, NEW.attempts, NEW.messageId, NEW.lastError,
                        json_extract(NEW.failure, '$.reason'), NEW.nextAttemptAt, NEW.releasedAs, NEW.filedAt)
                """
            try db.execute(sql: """
                CREATE TRIGGER dropEventsOnInsert AFTER INSERT ON drops BEGIN
                  INSERT INTO dropEvents \(values);
                END;
                CREATE TRIGGER dropEventsOnUpdate AFTER UPDATE ON drops
                WHEN OLD.state IS NOT NEW.state OR OLD.attempts IS NOT NEW.attempts
                  OR OLD.lastError IS NOT NEW.lastError OR OLD.messageId IS NOT NEW.messageId
                  OR OLD.failure IS NOT NEW.failure OR OLD.releasedAs IS NOT NEW.releasedAs
                  OR OLD.filedAt IS NOT NEW.filedAt OR OLD.name IS NOT NEW.name
                BEGIN
                  INSERT INTO dropEvents \(values);
                END;
                CREATE TRIGGER dropEventsOnDelete AFTER DELETE ON drops BEGIN
                  DELETE FROM dropEvents WHERE dropId = OLD.id;
                END;
                """)
        }
    }

    /// A drop's history, oldest first.
    public func history(dropId: Int64) throws -> [DropHistoryEvent] {
        try database.read { db in
            try DropHistoryEvent.fetchAll(db, sql: "SELECT * FROM dropEvents WHERE dropId = ? ORDER BY id", arguments: [dropId])
        }
    }

    /// Drops an operator may mean by `key`: its name (also a retried drop's earlier rows, whose
    /// names `releaseName` changed), the name as dropped, the MsgId or NHN's message id. Oldest first.
    public func drops(matching key: String) throws -> [DropRecord] {
        try database.read { db in
            try DropRecord.fetchAll(
                db,
                sql: """
                    SELECT * FROM drops WHERE name = ? OR name LIKE ? ESCAPE '\\' OR originalName = ? OR msgId = ? OR messageId = ?
                    ORDER BY id
                    """,
                arguments: [key, Self.likeEscaped(key) + "\u{1}retried-%", key, key, key])
        }
    }

    static func likeEscaped(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
            .replacingOccurrences(of: "_", with: "\\_")
    }
}
