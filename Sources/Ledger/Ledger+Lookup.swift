import GRDB

/// Look-ups for `dropbridge show`.
extension Ledger {
    /// Received messages an operator may mean by `key`: NHN's message id or the MsgId.
    public func inbound(matching key: String) throws -> [InboundRecord] {
        try database.read { db in
            try InboundRecord.filter(Column("messageId") == key || Column("msgId") == key).order(Column("receivedAt")).fetchAll(db)
        }
    }

    /// Notifications about the message `messageId` (ours: its status and AppRecs; theirs: its
    /// arrival), in offset order.
    public func notifications(about messageId: String) throws -> [QueuedNotification] {
        try database.read { db in
            try QueuedNotification.filter(Column("relatedMessageId") == messageId).order(Column("offset")).fetchAll(db)
        }
    }
}
