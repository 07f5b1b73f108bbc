import GRDB

/// How each batch of HER-ids is being read (one notification stream per 1,500 HER-ids): its
/// connection state, when it last heard from NHN, and how many oversized events it dropped.
/// One row per batch, so batches never overwrite each other's state; `dropbridge status`
/// (another process) shows them.
extension Ledger {
    static func registerReceiveBatchMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v8-receive-batches") { db in
            try db.create(table: "receiveBatches") { table in
                table.primaryKey("herIds", .text)
                table.column("state", .text).notNull()
                table.column("detail", .text)
                table.column("updatedAt", .double).notNull()
                table.column("lastEventAt", .double)
                table.column("oversizedEvents", .integer).notNull().defaults(to: 0)
            }
        }
    }

    /// One batch's state as `status` shows it.
    package struct ReceiveBatch: Sendable, Codable, Equatable {
        /// `Ledger.offsetKey` of the batch's HER-ids.
        package var herIds: String
        /// `connecting`, `streaming`, `polling`, `stopped`.
        package var state: String
        package var detail: String?
        package var updatedAt: Double
        /// The last event (a notification or a heartbeat) NHN sent on this batch.
        package var lastEventAt: Double?
        /// Saved offset of the batch (nil before its first notification).
        package var offset: Int64?
        /// Events larger than the cap (1 MiB) after which the stream was dropped and reopened.
        package var oversizedEvents: Int
    }

    package func setReceiveBatchState(herIds: [Int], state: String, detail: String?, now: Double) async throws {
        _ = try await groupCommitWrite { db in
            try Self.upsertBatchState(db, herIds: herIds, state: state, detail: detail, now: now)
            return true
        }
    }

    /// One batch's state and the overall state in one transaction, so `status` never reads the
    /// two disagreeing. `overall` is asked when the write runs, not when it is queued: writes of
    /// two batches may commit in either order, and the last one must carry the latest sum.
    package func setReceiveBatchState(
        herIds: [Int], state: String, detail: String?, overall: @escaping @Sendable () -> (String, String?), now: Double
    ) async throws {
        _ = try await groupCommitWrite { db in
            try Self.upsertBatchState(db, herIds: herIds, state: state, detail: detail, now: now)
            let (summed, summedDetail) = overall()
            try Self.upsertReceiveState(db, state: summed, detail: summedDetail, now: now)
            return true
        }
    }

    private static func upsertBatchState(_ db: Database, herIds: [Int], state: String, detail: String?, now: Double) throws {
        try db.execute(
            sql: """
                INSERT INTO receiveBatches (herIds, state, detail, updatedAt) VALUES (?, ?, ?, ?)
                ON CONFLICT(herIds) DO UPDATE SET state = excluded.state, detail = excluded.detail, updatedAt = excluded.updatedAt
                """,
            arguments: [offsetKey(herIds), state, detail, now])
    }

    /// NHN sent something on this batch's stream at `at`.
    package func noteReceiveEvent(herIds: [Int], at: Double) async throws {
        _ = try await groupCommitWrite { db in
            try db.execute(
                sql: """
                    INSERT INTO receiveBatches (herIds, state, updatedAt, lastEventAt) VALUES (?, 'streaming', ?, ?)
                    ON CONFLICT(herIds) DO UPDATE SET lastEventAt = MAX(COALESCE(lastEventAt, 0), excluded.lastEventAt)
                    """,
                arguments: [Self.offsetKey(herIds), at, at])
            return true
        }
    }

    /// Counts one oversized event on this batch; returns the batch's count so far.
    @discardableResult
    package func countOversizedEvent(herIds: [Int], now: Double) async throws -> Int {
        let key = Self.offsetKey(herIds)
        return try await groupCommitWrite { db in
            try db.execute(
                sql: """
                    INSERT INTO receiveBatches (herIds, state, updatedAt, oversizedEvents) VALUES (?, 'reconnecting', ?, 1)
                    ON CONFLICT(herIds) DO UPDATE SET oversizedEvents = oversizedEvents + 1
                    """,
                arguments: [key, now])
            return try Int.fetchOne(db, sql: "SELECT oversizedEvents FROM receiveBatches WHERE herIds = ?", arguments: [key]) ?? 1
        }
    }

    func receiveBatches(_ db: Database) throws -> [ReceiveBatch] {
        try Row.fetchAll(
            db,
            sql: """
                SELECT b.herIds, b.state, b.detail, b.updatedAt, b.lastEventAt, b.oversizedEvents, o.offset
                FROM receiveBatches b LEFT JOIN receiveOffsets o ON o.herIds = b.herIds ORDER BY b.herIds
                """
        ).map { row in
            ReceiveBatch(
                herIds: row["herIds"], state: row["state"], detail: row["detail"], updatedAt: row["updatedAt"],
                lastEventAt: row["lastEventAt"], offset: row["offset"], oversizedEvents: row["oversizedEvents"])
        }
    }
}
