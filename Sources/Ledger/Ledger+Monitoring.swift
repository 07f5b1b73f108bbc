import Foundation
import GRDB

/// Reads for the monitoring side (metrics gauges, `/readyz`, the status page). All cheap:
/// counts and maxima over indexed columns, run every few seconds.
extension Ledger {
    /// Notifications recorded but not yet handled: how far handling lags behind the offset.
    package func pendingNotificationCount() throws -> Int {
        try database.read { db in
            try QueuedNotification.filter(Column("state") == QueuedNotification.State.pending.rawValue).fetchCount(db)
        }
    }

    /// When the newest notification was recorded (nil: none kept).
    package func lastNotificationQueuedAt() throws -> Double? {
        try database.read { db in try Double.fetchOne(db, sql: "SELECT MAX(queuedAt) FROM \(QueuedNotification.databaseTableName)") }
    }

    /// Drops filed at or after `since`, counted per whole minute (`minute` is seconds since 1970 / 60).
    package func filedPerMinute(since: Double) throws -> [(minute: Int, sent: Int, failed: Int)] {
        try database.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT CAST(filedAt / 60 AS INTEGER) AS minute,
                           SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END) AS sent,
                           SUM(CASE WHEN state = 'accepted' THEN 0 ELSE 1 END) AS failed
                    FROM drops WHERE filedAt >= ? GROUP BY minute ORDER BY minute
                    """,
                arguments: [since]
            ).map { (minute: $0["minute"], sent: $0["sent"], failed: $0["failed"]) }
        }
    }

    /// The latest drops filed in `failed/`, newest first, with their reasons.
    package func recentFailures(limit: Int = 10) throws -> [DropRecord] {
        try database.read { db in
            try DropRecord.filter(Column("filedAt") != nil && Column("state") == DropState.failed.rawValue)
                .order(Column("filedAt").desc).limit(limit).fetchAll(db)
        }
    }

    /// The latest drops filed in `sent/` (accepted by NHN or Altinn), newest first.
    package func recentlySent(limit: Int = 10) throws -> [DropRecord] {
        try database.read { db in
            try DropRecord.filter(Column("filedAt") != nil && Column("state") == DropState.accepted.rawValue)
                .order(Column("filedAt").desc).limit(limit).fetchAll(db)
        }
    }

    /// Whether the ledger takes a write now: takes SQLite's write lock and lets it go, changing
    /// nothing (a read-only file, a lost directory or a wedged lock shows here).
    package func probeWritable() throws {
        try database.writeWithoutTransaction { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            try db.execute(sql: "ROLLBACK")
        }
    }
}
