import GRDB

extension Ledger {
    /// NHN proved that our message `messageId` carrying `msgId` arrived (a notification about
    /// it, whose `GET /messages/{id}` names the MsgId as `businessDocumentId`): the oldest
    /// `uncertain` drop with that MsgId is recorded `accepted` with NHN's id, in one durable
    /// transaction, and returned. Nil when no uncertain drop has the MsgId, or when a drop is
    /// already known by `messageId` (nothing to prove then).
    package func proveArrival(msgId: String, messageId: String, now: Double) async throws -> DropRecord? {
        let proven = try await groupCommitWrite { db -> DropRecord? in
            if try DropRecord.filter(Column("messageId") == messageId).fetchCount(db) > 0 { return nil }
            guard
                var drop = try DropRecord
                    .filter(Column("msgId") == msgId && Column("state") == DropState.uncertain.rawValue)
                    .order(Column("id")).fetchOne(db)
            else { return nil }
            drop.state = .accepted
            drop.messageId = messageId
            drop.acceptedAt = now
            drop.lastError = nil
            drop.nextAttemptAt = nil
            drop.updatedAt = now
            try drop.update(db)
            return drop
        }
        // Durable now: the drop waiting for this proof goes on at once.
        if proven != nil { arrivalsProven.changed() }
        return proven
    }

    /// Whether any drop waits for NHN to prove its arrival (a notification about an unknown
    /// message is then worth a `GET /messages/{id}` to learn its MsgId).
    package func hasUncertainDrops() throws -> Bool {
        try database.read { db in
            try DropRecord.filter(Column("state") == DropState.uncertain.rawValue).fetchCount(db) > 0
        }
    }
}
