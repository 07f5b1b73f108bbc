import GRDB

/// Indexes that keep the claim path, recovery, retention and `status` independent of how many
/// finished drops the ledger holds: without them `unfinished()` (every start), the pruner's
/// search for old rows (every start, in a write transaction that holds up every commit), the
/// per-minute filing counts and `status`'s summary each read every row.
extension Ledger {
    static func registerHistoryIndexMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v9-drops-history-indexes") { db in
            // `filedAt IS NULL` (unfinished drops, a handful) and `filedAt >= ?` / `< ?` (filed
            // since, older than the retention) become index searches.
            try db.execute(sql: "CREATE INDEX drops_on_filedAt ON drops(filedAt)")
            // Possible duplicates are rare: a partial index holds only those rows.
            try db.execute(sql: "CREATE INDEX drops_possibleDuplicates ON drops(possibleDuplicates) WHERE possibleDuplicates > 0")
        }
    }
}
