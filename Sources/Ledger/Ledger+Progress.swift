import Foundation
import GRDB

/// Questions the operator commands ask about how work is moving.
extension Ledger {
    /// The last time anything moved: a drop changed state, a message was received or a
    /// notification queued, a receive offset advanced. Nil for an empty ledger. Each part reads
    /// one row by its rowid (the newest), so it costs the same on a ledger of millions of rows.
    public func lastProgressAt() throws -> Double? {
        try database.read { db in
            try Double.fetchOne(
                db,
                sql: """
                    SELECT MAX(t) FROM (
                      SELECT (SELECT at FROM dropEvents ORDER BY id DESC LIMIT 1) AS t
                      UNION ALL SELECT (SELECT receivedAt FROM inbound ORDER BY rowid DESC LIMIT 1)
                      UNION ALL SELECT (SELECT updatedAt FROM notificationQueue ORDER BY offset DESC LIMIT 1)
                      UNION ALL SELECT MAX(updatedAt) FROM receiveOffsets)
                    """)
        }
    }

    /// Unfinished drops claimed before `claimedBefore` that are not held (held drops wait for
    /// an operator by design and are reported as such), oldest first.
    public func stuckDrops(claimedBefore: Double, limit: Int = 100) throws -> [DropRecord] {
        try database.read { db in
            try DropRecord
                .filter(Column("filedAt") == nil && Column("claimedAt") < claimedBefore && Column("state") != DropState.held.rawValue)
                .order(Column("claimedAt"), Column("id")).limit(limit).fetchAll(db)
        }
    }

    /// Held drops with their reasons, oldest first.
    public func heldDrops() throws -> [DropRecord] {
        try database.read { db in
            try DropRecord.filter(Column("state") == DropState.held.rawValue).order(Column("id")).fetchAll(db)
        }
    }
}
