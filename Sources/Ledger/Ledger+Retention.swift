import GRDB

extension Ledger {
    /// Deletes at most `limit` finished drops (a final answer, their files filed) filed before
    /// `cutoff`, oldest first, in one transaction; returns how many went.
    ///
    /// The name rule does not rest on these rows: `FreeName` also checks `sent/`, `failed/` and
    /// `receipts/`, so a NAME whose files are still there is never given again. Unfinished
    /// drops, held or waiting ones included, are never pruned.
    package func pruneFinishedDrops(filedBefore cutoff: Double, limit: Int) throws -> Int {
        try database.write { db in
            // `+state`: searched by `filedAt` (indexed), not by state, which would read every
            // finished row when none is old enough.
            let ids = try Int64.fetchAll(
                db,
                sql: """
                    SELECT id FROM drops
                    WHERE filedAt IS NOT NULL AND filedAt < ? AND +state IN (?, ?)
                    ORDER BY id LIMIT ?
                    """,
                arguments: [cutoff, DropState.accepted.rawValue, DropState.failed.rawValue, limit])
            guard !ids.isEmpty else { return 0 }
            let list = ids.map(String.init).joined(separator: ",")
            // The rows that only mean something beside their drop go with it (its history goes
            // by trigger), so the ledger's size follows the retention, not the whole history.
            for table in ["altinnSends", "appRecLinks"] {
                try db.execute(sql: "DELETE FROM \(table) WHERE dropId IN (\(list))")
            }
            try db.execute(sql: "DELETE FROM drops WHERE id IN (\(list))")
            return db.changesCount
        }
    }
}
