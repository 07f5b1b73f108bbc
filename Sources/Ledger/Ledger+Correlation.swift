import GRDB

/// What ties inbound notifications to our drops beyond the drop row itself: the AppRec ids NHN
/// named in a drop's status (an AppRec is filed by NHN's ids, not by a MsgId two drops may
/// share), our automatic AppRecs in flight, and final delivery failures.
extension Ledger {
    static func createCorrelationTables(_ db: Database) throws {
        // `apprecInfo.appRecId` of a status about our drop: the AppRec message with that id
        // answers that drop.
        try db.create(table: "appRecLinks") { table in
            table.primaryKey("appRecId", .text)
            table.column("dropId", .integer).notNull()
            table.column("receiverHerId", .integer)
            table.column("linkedAt", .double).notNull()
        }
        try db.alter(table: "inbound") { table in
            // Set before `POST …/apprec`: found set at the next attempt, the earlier one may
            // have arrived (counted as a possible duplicate).
            table.add(column: "appRecSendingAt", .double)
            table.add(column: "appRecPossibleDuplicates", .integer).notNull().defaults(to: 0)
        }
        // `Abandoned` / `Rejected`: the message will never reach that receiver.
        try db.create(table: "finalDeliveries") { table in
            table.column("messageId", .text).notNull()
            table.column("receiverHerId", .integer).notNull()
            table.column("state", .text).notNull()
            table.column("at", .double).notNull()
            table.primaryKey(["messageId", "receiverHerId"])
        }
    }

    /// Remembers that AppRec message `appRecId` answers drop `dropId` (first link wins).
    package func linkAppRec(_ appRecId: String, toDrop dropId: Int64, receiverHerId: Int?, now: Double) async throws {
        _ = try await groupCommitWrite { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO appRecLinks (appRecId, dropId, receiverHerId, linkedAt) VALUES (?, ?, ?, ?)",
                arguments: [appRecId, dropId, receiverHerId, now])
            return true
        }
    }

    /// The drop an AppRec message answers, when a status about that drop named it.
    package func dropAnswered(byAppRec appRecId: String) throws -> DropRecord? {
        try database.read { db in
            guard let dropId = try Int64.fetchOne(db, sql: "SELECT dropId FROM appRecLinks WHERE appRecId = ?", arguments: [appRecId])
            else { return nil }
            return try DropRecord.fetchOne(db, key: dropId)
        }
    }

    /// Drops NHN took (they have NHN's id) that carry `msgId`: more than one makes an AppRec's
    /// `OriginalMsgId` ambiguous.
    package func acceptedDrops(msgId: String) throws -> [DropRecord] {
        try database.read { db in
            try DropRecord.filter(Column("msgId") == msgId && Column("messageId") != nil).order(Column("id")).fetchAll(db)
        }
    }

    /// Records "our AppRec for `messageId` is being sent", durably, before the POST. True when an
    /// earlier attempt was recorded and never confirmed: it may have arrived, so this one is a
    /// possible duplicate (counted).
    @discardableResult
    package func markInboundAppRecSending(messageId: String, now: Double) async throws -> Bool {
        try await groupCommitWrite { db in
            let earlier = try Double.fetchOne(
                db, sql: "SELECT appRecSendingAt FROM inbound WHERE messageId = ? AND appRecSentAt IS NULL", arguments: [messageId])
            try db.execute(
                sql: """
                    UPDATE inbound SET appRecSendingAt = ?,
                        appRecPossibleDuplicates = appRecPossibleDuplicates + (CASE WHEN appRecSendingAt IS NULL THEN 0 ELSE 1 END)
                    WHERE messageId = ? AND appRecSentAt IS NULL
                    """,
                arguments: [now, messageId])
            return earlier != nil
        }
    }

    /// The attempt certainly never reached NHN (refused connection): the next is no duplicate.
    package func clearInboundAppRecSending(messageId: String) async throws {
        _ = try await groupCommitWrite { db in
            try db.execute(sql: "UPDATE inbound SET appRecSendingAt = NULL WHERE messageId = ? AND appRecSentAt IS NULL", arguments: [messageId])
            return true
        }
    }

    /// Automatic AppRecs that may have been sent twice.
    package func inboundAppRecPossibleDuplicates() throws -> Int {
        try database.read { db in
            try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(appRecPossibleDuplicates), 0) FROM inbound") ?? 0
        }
    }

    /// Records a final delivery failure (`Abandoned`, `Rejected`) of message `messageId` for one
    /// receiver. True the first time.
    @discardableResult
    package func recordFinalDelivery(messageId: String, receiverHerId: Int, state: String, now: Double) async throws -> Bool {
        try await groupCommitWrite { db in
            try db.execute(
                sql: "INSERT OR IGNORE INTO finalDeliveries (messageId, receiverHerId, state, at) VALUES (?, ?, ?, ?)",
                arguments: [messageId, receiverHerId, state, now])
            return db.changesCount > 0
        }
    }

    /// Final delivery failures by state, for `dropbridge status`.
    package func finalDeliveryCounts() throws -> [String: Int] {
        try database.read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM finalDeliveries GROUP BY state") {
                counts[row["state"]] = row["n"]
            }
            return counts
        }
    }
}

extension Ledger {
    /// An AppRec moved from `unmatched/` beside its drop.
    package func setInboundFileName(messageId: String, fileName: String) async throws {
        _ = try await groupCommitWrite { db in
            try db.execute(sql: "UPDATE inbound SET fileName = ? WHERE messageId = ?", arguments: [fileName, messageId])
            return true
        }
    }
}
