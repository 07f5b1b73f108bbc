import GRDB

/// The receiving side's records: what arrived, what NHN was told, and how far the notification
/// stream has been processed.
extension Ledger {
    /// The key of a set of HER-ids in `receiveOffsets`: sorted, comma-separated.
    package static func offsetKey(_ herIds: [Int]) -> String {
        herIds.sorted().map(String.init).joined(separator: ",")
    }

    /// The last offset whose effects are durable, or nil before the first notification.
    package func receiveOffset(herIds: [Int]) throws -> Int64? {
        try database.read { db in
            try Int64.fetchOne(db, sql: "SELECT offset FROM receiveOffsets WHERE herIds = ?", arguments: [Self.offsetKey(herIds)])
        }
    }

    /// Moves the offset forward (never back: notifications may be handled out of order within
    /// a batch, but the stored offset only ever grows).
    package func saveReceiveOffset(_ offset: Int64, herIds: [Int], now: Double) async throws {
        let key = Self.offsetKey(herIds)
        _ = try await groupCommitWrite { db in
            try db.execute(
                sql: """
                    INSERT INTO receiveOffsets (herIds, offset, updatedAt) VALUES (?, ?, ?)
                    ON CONFLICT(herIds) DO UPDATE SET offset = MAX(offset, excluded.offset), updatedAt = excluded.updatedAt
                    """,
                arguments: [key, offset, now])
            return true
        }
    }

    /// How receiving is doing: `registering`, `streaming`, `polling`, `retrying`, `stopped`, with
    /// the reason for anything but the first three. With several batches of HER-ids, `state`
    /// sums them up (`streaming` only when every batch streams) and `batches` has each.
    package struct ReceiveState: Sendable, Codable, Equatable {
        package var state: String
        package var detail: String?
        package var updatedAt: Double
        package var offsets: [String: Int64]
        package var batches: [ReceiveBatch] = []
        /// Oversized events dropped, over all batches.
        package var oversizedEvents: Int { batches.reduce(0) { $0 + $1.oversizedEvents } }
    }

    package func setReceiveState(_ state: String, detail: String?, now: Double) async throws {
        _ = try await groupCommitWrite { db in
            try Self.upsertReceiveState(db, state: state, detail: detail, now: now)
            return true
        }
    }

    static func upsertReceiveState(_ db: Database, state: String, detail: String?, now: Double) throws {
        try db.execute(
            sql: """
                INSERT INTO receiveState (id, state, detail, updatedAt) VALUES (1, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET state = excluded.state, detail = excluded.detail, updatedAt = excluded.updatedAt
                """,
            arguments: [state, detail, now])
    }

    package func receiveState() throws -> ReceiveState? {
        try database.read { db in
            var offsets: [String: Int64] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT herIds, offset FROM receiveOffsets") {
                offsets[row["herIds"]] = row["offset"]
            }
            let batches = try receiveBatches(db)
            guard let row = try Row.fetchOne(db, sql: "SELECT state, detail, updatedAt FROM receiveState WHERE id = 1") else {
                return offsets.isEmpty ? nil : ReceiveState(state: "unknown", detail: nil, updatedAt: 0, offsets: offsets, batches: batches)
            }
            return ReceiveState(
                state: row["state"], detail: row["detail"], updatedAt: row["updatedAt"], offsets: offsets, batches: batches)
        }
    }

    package func inbound(messageId: String) throws -> InboundRecord? {
        try database.read { db in try InboundRecord.fetchOne(db, key: messageId) }
    }

    /// Records a received message whose files are durable. Returns false when it was recorded
    /// before (a repeated notification): then nothing changes.
    @discardableResult
    package func recordInbound(_ record: InboundRecord) async throws -> Bool {
        try await groupCommitWrite { db in
            if try InboundRecord.exists(db, key: record.messageId) { return false }
            try record.insert(db)
            return true
        }
    }

    package func markInboundDownloaded(messageId: String, at now: Double) async throws {
        _ = try await groupCommitWrite { db in
            try db.cachedStatement(sql: "UPDATE inbound SET downloadedAt = ? WHERE messageId = ? AND downloadedAt IS NULL")
                .execute(arguments: [now, messageId])
            return true
        }
    }

    /// How many received messages NHN has been told were downloaded.
    package func inboundDownloadedCount() throws -> Int {
        try database.read { db in try InboundRecord.filter(Column("downloadedAt") != nil).fetchCount(db) }
    }

    package func markInboundAppRecSent(messageId: String, at now: Double) async throws {
        _ = try await groupCommitWrite { db in
            try db.execute(sql: "UPDATE inbound SET appRecSentAt = ? WHERE messageId = ?", arguments: [now, messageId])
            return true
        }
    }

    /// Received messages whose files are written but NHN was not yet told (a crash in between):
    /// they are marked downloaded at the next start.
    package func inboundNotYetDownloaded() throws -> [InboundRecord] {
        try database.read { db in
            try InboundRecord.filter(Column("downloadedAt") == nil).order(Column("receivedAt")).fetchAll(db)
        }
    }

    /// What a notification about one of our messages finds, read in one transaction: the drop
    /// (by NHN's message id, or by the MsgId an AppRec answers), or else whether a send is still
    /// in flight (its answer not recorded yet). Two separate reads could miss a send that is
    /// recorded between them.
    package struct SentLookup: Sendable {
        package var drop: DropRecord?
        package var sendsInFlight: Bool
    }

    package func lookUpSent(messageId: String? = nil, msgId: String? = nil) throws -> SentLookup {
        try database.read { db in
            var drop: DropRecord?
            if let messageId {
                drop = try DropRecord.filter(Column("messageId") == messageId).fetchOne(db)
            } else if let msgId {
                drop = try DropRecord.filter(Column("msgId") == msgId && Column("state") == DropState.accepted.rawValue)
                    .order(Column("id").desc).fetchOne(db)
            }
            if drop != nil { return SentLookup(drop: drop, sendsInFlight: false) }
            let inFlight = try DropRecord.filter(Column("state") == DropState.sending.rawValue).fetchCount(db) > 0
            return SentLookup(drop: nil, sendsInFlight: inFlight)
        }
    }
}
