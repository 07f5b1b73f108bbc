import GRDB

extension Ledger {
    /// Adds `count` finished drops (accepted and filed at `filedAt`) named `prefix-N`, in
    /// transactions of 10,000: a ledger with a long history for `dropbridge bench --scale`,
    /// without sending a million messages first.
    package func addFinishedHistory(count: Int, prefix: String, filedAt: Double) throws {
        var next = 0
        while next < count {
            let end = min(count, next + 10_000)
            try database.write { db in
                let insert = try db.makeStatement(
                    sql: """
                        INSERT INTO drops (name, originalName, files, channel, state, msgId, messageType, attempts,
                            possibleDuplicates, messageId, claimedAt, updatedAt, acceptedAt, filedAt)
                        VALUES (?, ?, '["document.xml","sidecar.json"]', 'nhn', 'accepted', ?, 'DIALOG_HELSEFAGLIG', 1, 0, ?, ?, ?, ?, ?)
                        """)
                for index in next..<end {
                    let name = "\(prefix)-\(index)"
                    try insert.execute(arguments: [name, name, "msg-" + name, "nhn-" + name, filedAt, filedAt, filedAt, filedAt])
                }
            }
            next = end
        }
    }
}
