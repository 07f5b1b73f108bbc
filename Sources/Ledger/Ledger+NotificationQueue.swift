import GRDB

/// The inbound queue: the reader records notifications (with the new offset) in one commit;
/// the worker handles them from here, each on its own schedule.
extension Ledger {
    /// The receiving side's migrations after v4, in order.
    static func registerInboundMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v6-notification-queue") { db in
            try QueuedNotification.createTable(db)
        }
        migrator.registerMigration("v7-inbound-correlation") { db in
            try Self.createCorrelationTables(db)
        }
    }

    /// Records `notifications` and moves the offset of `herIds` to `offset`, in one durable
    /// transaction: after it the reader may go on, whatever happens to the handling. A
    /// notification already queued (same offset: a stream read again) is skipped, and so is a
    /// `NewMessage` for a message already queued or received (NHN repeats them; docs/nhn-edi.md §3.3).
    /// Returns how many were newly queued.
    @discardableResult
    package func enqueueNotifications(
        _ notifications: [QueuedNotification], offset: Int64, herIds: [Int], now: Double
    ) async throws -> Int {
        let key = Self.offsetKey(herIds)
        return try await groupCommitWrite { db in
            var added = 0
            for notification in notifications {
                if try QueuedNotification.exists(db, key: notification.offset) { continue }
                if notification.type == "NewMessage", let messageId = notification.relatedMessageId, !messageId.isEmpty {
                    let queued = try QueuedNotification
                        .filter(Column("type") == "NewMessage" && Column("relatedMessageId") == messageId).fetchCount(db) > 0
                    if try queued || InboundRecord.exists(db, key: messageId) { continue }
                }
                try notification.insert(db)
                added += 1
            }
            try db.execute(
                sql: """
                    INSERT INTO receiveOffsets (herIds, offset, updatedAt) VALUES (?, ?, ?)
                    ON CONFLICT(herIds) DO UPDATE SET offset = MAX(offset, excluded.offset), updatedAt = excluded.updatedAt
                    """,
                arguments: [key, offset, now])
            return added
        }
    }

    /// Pending notifications, oldest first (due or not: the worker keeps their order per message).
    package func pendingNotifications(limit: Int = 1000) throws -> [QueuedNotification] {
        try database.read { db in
            try QueuedNotification.filter(Column("state") == QueuedNotification.State.pending.rawValue)
                .order(Column("offset")).limit(limit).fetchAll(db)
        }
    }

    /// Pending notifications past `offset` (what the reader added since the worker last looked).
    package func pendingNotifications(after offset: Int64, limit: Int = 1000) throws -> [QueuedNotification] {
        try database.read { db in
            try QueuedNotification
                .filter(Column("state") == QueuedNotification.State.pending.rawValue && Column("offset") > offset)
                .order(Column("offset")).limit(limit).fetchAll(db)
        }
    }

    package func queuedNotification(offset: Int64) throws -> QueuedNotification? {
        try database.read { db in try QueuedNotification.fetchOne(db, key: offset) }
    }

    /// The notification's effect is durable.
    package func finishNotification(offset: Int64, now: Double) async throws {
        // Once per received message in a drain: one cached statement, not a fetch and a record
        // update (whose SQL GRDB builds and authorizes anew each time).
        _ = try await groupCommitWrite { db in
            try db.cachedStatement(sql: "UPDATE notificationQueue SET state = ?, updatedAt = ? WHERE offset = ?")
                .execute(arguments: [QueuedNotification.State.done.rawValue, now, offset])
            return true
        }
    }

    /// Tried again at `nextAttemptAt`; `failed` counts the attempt (a wait for our own sends does not).
    package func postponeNotification(offset: Int64, failed: Bool, nextAttemptAt: Double, lastError: String?, now: Double) async throws {
        try await changeNotification(offset: offset, now: now) { item in
            if failed { item.attempts += 1 }
            item.nextAttemptAt = nextAttemptAt
            item.lastError = lastError
        }
    }

    /// Permanent trouble: left to an operator.
    package func quarantineNotification(offset: Int64, reason: String, now: Double) async throws {
        try await changeNotification(offset: offset, now: now) { item in
            item.state = .quarantined
            item.attempts += 1
            item.lastError = reason
        }
    }

    private func changeNotification(offset: Int64, now: Double, _ change: @escaping @Sendable (inout QueuedNotification) -> Void) async throws {
        _ = try await groupCommitWrite { db in
            guard var item = try QueuedNotification.fetchOne(db, key: offset) else { return false }
            change(&item)
            item.updatedAt = now
            try item.update(db)
            return true
        }
    }

    /// Quarantined notifications, oldest first (for `dropbridge status`).
    package func quarantinedNotifications(limit: Int = 1000) throws -> [QueuedNotification] {
        try database.read { db in
            try QueuedNotification.filter(Column("state") == QueuedNotification.State.quarantined.rawValue)
                .order(Column("offset")).limit(limit).fetchAll(db)
        }
    }

    /// `dropbridge retry --message KEY… | --messages`: quarantined notifications (all when `keys`
    /// is nil; else those whose `operatorKey` is listed) pending again, due now, with a fresh
    /// count of attempts. Returns them; the running daemon's worker finds them at its next look.
    package func retryQuarantined(keys: [String]?, now: Double) throws -> [QueuedNotification] {
        try database.write { db in
            let quarantined = try QueuedNotification.filter(Column("state") == QueuedNotification.State.quarantined.rawValue)
                .order(Column("offset")).fetchAll(db)
            let wanted = keys.map(Set.init)
            var retried: [QueuedNotification] = []
            for var item in quarantined where wanted?.contains(item.operatorKey) ?? true {
                item.state = .pending
                item.attempts = 0
                item.nextAttemptAt = now
                item.updatedAt = now
                // Patience for our own sends starts again too.
                item.queuedAt = now
                try item.update(db)
                retried.append(item)
            }
            return retried
        }
    }

    /// Forgets notifications done before `before` (history only: a repeated `NewMessage` is
    /// still recognised by the `inbound` row of its message). Returns how many went.
    @discardableResult
    package func pruneFinishedNotifications(before: Double) async throws -> Int {
        try await groupCommitWrite { db in
            try QueuedNotification
                .filter(Column("state") == QueuedNotification.State.done.rawValue && Column("updatedAt") < before)
                .deleteAll(db)
        }
    }
}
