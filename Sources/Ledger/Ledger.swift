import DropbridgeCore
import Foundation
import GRDB

/// The SQLite ledger in `<root>/.dropbridge/ledger.sqlite`: WAL, `synchronous = FULL`, so a
/// committed transaction survives SIGKILL and power loss.
package final class Ledger: Sendable {
    /// A pool for the daemon and every writer; a read-only queue for `Ledger.openReadOnly`.
    let database: any DatabaseWriter
    private let groupCommit: GroupCommit
    /// Moves on each time `proveArrival` records a proof: wakes the drops waiting for one.
    package let arrivalsProven = ChangeSignal()
    /// Moves on each time a correspondence is accepted (its status is to be followed): wakes
    /// the Altinn status poller, which otherwise sleeps until its next poll is due.
    package let altinnPollsOpened = ChangeSignal()

    package init(path: String) throws {
        try LedgerFiles.restrict(path)
        var configuration = Configuration()
        // Every connection GRDB opens starts FULL (readers never commit, so it only matters
        // for a writer)...
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        configuration.busyMode = .timeout(10)
        let pool = try DatabasePool(path: path, configuration: configuration)
        database = pool
        // ...but GRDB 7's `setUpWALMode()` then runs once on the pool's one writer, after
        // `prepareDatabase`, and sets `synchronous = NORMAL` (a commit may be lost on power
        // loss). The pool opens no other writer in its life, so FULL set here holds for every write.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        try Self.migrator.migrate(pool)
        groupCommit = GroupCommit(database: pool)
    }

    /// A ledger over a connection opened elsewhere (`openReadOnly`): no migration, no set-up;
    /// any write fails with SQLITE_READONLY.
    init(opened database: any DatabaseWriter) {
        self.database = database
        groupCommit = GroupCommit(database: database)
    }

    /// `PRAGMA synchronous` on the writer connection (2 = FULL), for tests and diagnostics.
    func writerSynchronous() throws -> Int {
        try database.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-drops") { db in
            try db.create(table: "drops") { table in
                table.autoIncrementedPrimaryKey("id")
                // Unique: a name once used by any drop is never given to another.
                table.column("name", .text).notNull().unique()
                table.column("originalName", .text).notNull()
                table.column("files", .jsonText).notNull()
                table.column("channel", .text).notNull()
                table.column("state", .text).notNull().indexed()
                table.column("contentHash", .text)
                table.column("msgId", .text).indexed()
                table.column("messageType", .text)
                table.column("senderHerId", .integer)
                table.column("receiverHerIds", .jsonText)
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("possibleDuplicates", .integer).notNull().defaults(to: 0)
                table.column("messageId", .text).indexed()
                table.column("lastError", .text)
                table.column("failure", .jsonText)
                table.column("nextAttemptAt", .double)
                table.column("claimedAt", .double).notNull()
                table.column("updatedAt", .double).notNull()
                table.column("acceptedAt", .double)
                table.column("filedAt", .double)
            }
        }
        migrator.registerMigration("v2-inbound") { db in
            try db.create(table: "inbound") { table in
                table.primaryKey("messageId", .text)
                table.column("receiverHerId", .integer).notNull()
                table.column("senderHerId", .integer)
                table.column("msgId", .text).indexed()
                table.column("messageType", .text)
                table.column("kind", .text).notNull()
                table.column("fileName", .text).notNull()
                table.column("valid", .boolean).notNull()
                table.column("receivedAt", .double).notNull()
                table.column("downloadedAt", .double)
            }
            // The notification offset up to which every effect is durable, per set of HER-ids.
            try db.create(table: "receiveOffsets") { table in
                table.primaryKey("herIds", .text)
                table.column("offset", .integer).notNull()
                table.column("updatedAt", .double).notNull()
            }
        }
        migrator.registerMigration("v3-inbound-apprec") { db in
            try db.alter(table: "inbound") { table in table.add(column: "appRecSentAt", .double) }
        }
        migrator.registerMigration("v4-receive-state") { db in
            // How receiving is doing, for `dropbridge status` (another process).
            try db.create(table: "receiveState") { table in
                table.primaryKey("id", .integer)
                table.column("state", .text).notNull()
                table.column("detail", .text)
                table.column("updatedAt", .double).notNull()
            }
        }
        registerRegistrationMigrations(&migrator)
        migrator.registerMigration("v6-drops-released-as") { db in
            try db.alter(table: "drops") { table in table.add(column: "releasedAs", .text) }
        }
        registerInboundMigrations(&migrator)
        registerReceiveBatchMigrations(&migrator)
        registerDropHistoryMigration(&migrator)
        registerOperatorMigration(&migrator)
        registerAltinnMigrations(&migrator)
        registerHistoryIndexMigration(&migrator)
        registerRegistrationRefusalMigration(&migrator)
        return migrator
    }

    // MARK: Claiming

    /// Reserves a row (and so a claim id) and a unique name for a new drop, in one transaction
    /// committed together with other writes arriving at the same time. `pickName` gets a test
    /// for names the ledger has ever used and returns the name to use (the caller also checks
    /// the output folders: see `FreeName`).
    ///
    /// A drop refused before it could be read (pairing, unsafe files) is reserved already
    /// `failed`, with its `refusal`: a crash before it is filed must not turn it into a send.
    package func reserve(
        originalName: String, files: [String], channel: String, now: Double, refusal: StoredFailure? = nil,
        pickName: @escaping @Sendable (_ usedInLedger: (String) throws -> Bool) throws -> String
    ) async throws -> DropRecord {
        try await groupCommit.write { db in
            let name = try pickName { candidate in
                try DropRecord.filter(Column("name") == candidate).fetchCount(db) > 0
            }
            var record = DropRecord(name: name, originalName: originalName, files: files, channel: channel, now: now)
            if let refusal {
                record.state = .failed
                record.failure = refusal
            }
            try record.insert(db)
            return record
        }
    }

    /// One drop to reserve with `reserve(_:now:)`.
    package struct Reservation: Sendable {
        package var originalName: String
        package var files: [String]
        package var channel: String
        package var refusal: StoredFailure?
        package var pickName: @Sendable (_ usedInLedger: (String) throws -> Bool) throws -> String

        package init(
            originalName: String, files: [String], channel: String, refusal: StoredFailure? = nil,
            pickName: @escaping @Sendable (_ usedInLedger: (String) throws -> Bool) throws -> String
        ) {
            self.originalName = originalName
            self.files = files
            self.channel = channel
            self.refusal = refusal
            self.pickName = pickName
        }
    }

    /// `reserve` for the drops of one scan, in one transaction (one commit for all of them).
    /// A drop whose name cannot be picked fails alone (its own savepoint); the others hold.
    package func reserve(_ reservations: [Reservation], now: Double) async throws -> [Result<DropRecord, any Error>] {
        try await groupCommit.write { db in
            reservations.map { reservation in
                Result {
                    var reserved: DropRecord?
                    try db.inSavepoint {
                        let name = try reservation.pickName { candidate in
                            try DropRecord.filter(Column("name") == candidate).fetchCount(db) > 0
                        }
                        var record = DropRecord(
                            name: name, originalName: reservation.originalName, files: reservation.files,
                            channel: reservation.channel, now: now)
                        if let refusal = reservation.refusal {
                            record.state = .failed
                            record.failure = refusal
                        }
                        try record.insert(db)
                        reserved = record
                        return .commit
                    }
                    guard let reserved else { throw LedgerError.missingDrop(0) }
                    return reserved
                }
            }
        }
    }

    /// Forgets a reservation whose claim never happened (the files are still in the outbox).
    package func forget(id: Int64) throws {
        _ = try database.write { db in try DropRecord.deleteOne(db, key: id) }
    }

    /// `forget` for several reservations, in one transaction.
    package func forget(ids: [Int64]) async throws {
        guard !ids.isEmpty else { return }
        try await groupCommit.write { db in
            _ = try DropRecord.deleteAll(db, keys: ids)
        }
    }

    // MARK: Transitions

    /// Applies `change` to the row and stamps `updatedAt`, in one durable transaction.
    @discardableResult
    package func update(id: Int64, now: Double, _ change: @Sendable (inout DropRecord) -> Void) throws -> DropRecord {
        try database.write { db in try Self.apply(change, to: id, now: now, in: db) }
    }

    private static func apply(
        _ change: (inout DropRecord) -> Void, to id: Int64, now: Double, in db: Database
    ) throws -> DropRecord {
        guard var record = try DropRecord.fetchOne(db, key: id) else {
            throw LedgerError.missingDrop(id)
        }
        change(&record)
        record.updatedAt = now
        try record.update(db)
        return record
    }

    /// Any write, committed together with other writes arriving at the same time.
    func groupCommitWrite<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await groupCommit.write(work)
    }

    /// `update`, committed together with other writes arriving at the same time; returns once
    /// the change is durable.
    @discardableResult
    package func update(id: Int64, now: Double, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws -> DropRecord {
        try await groupCommit.write { db in try Self.apply(change, to: id, now: now, in: db) }
    }

    package func drop(id: Int64) throws -> DropRecord? {
        try database.read { db in try DropRecord.fetchOne(db, key: id) }
    }

    package func drop(named name: String) throws -> DropRecord? {
        try database.read { db in try DropRecord.filter(Column("name") == name).fetchOne(db) }
    }

    /// Drops that are not finished: not yet answered, or answered but not yet filed.
    package func unfinished() throws -> [DropRecord] {
        try database.read { db in
            try DropRecord.filter(Column("filedAt") == nil).order(Column("id")).fetchAll(db)
        }
    }

    package func drops(msgId: String) throws -> [DropRecord] {
        try database.read { db in try DropRecord.filter(Column("msgId") == msgId).fetchAll(db) }
    }

    // MARK: Status

    package struct Summary: Sendable, Codable, Equatable {
        package var byState: [String: Int]
        package var unfinished: Int
        package var possibleDuplicates: Int
        package var oldestUnfinishedClaimedAt: Double?
        package var held: [NotedDrop]
        /// Drops waiting to be sent again after transient trouble, for NHN's proof that an
        /// uncertain send arrived, or for a registration NHN refuses, with the last problem.
        package var retrying: [NotedDrop]
    }

    /// A drop and why it waits.
    package struct NotedDrop: Sendable, Codable, Equatable {
        package var name: String
        package var reason: String?

        package init(name: String, reason: String?) {
            self.name = name
            self.reason = reason
        }
    }

    package func summary() throws -> Summary {
        try database.read { db in
            var byState: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM drops GROUP BY state") {
                byState[row["state"]] = row["n"]
            }
            let unfinished = try DropRecord.filter(Column("filedAt") == nil).fetchCount(db)
            let duplicates = try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(possibleDuplicates), 0) FROM drops WHERE possibleDuplicates > 0") ?? 0
            let oldest = try Double.fetchOne(db, sql: "SELECT MIN(claimedAt) FROM drops WHERE filedAt IS NULL")
            let held = try DropRecord.filter(Column("state") == DropState.held.rawValue).fetchAll(db)
                .map { NotedDrop(name: $0.name, reason: $0.lastError) }
            let retrying = try DropRecord
                .filter(
                    Column("filedAt") == nil
                        && [DropState.claimed.rawValue, DropState.validated.rawValue, DropState.uncertain.rawValue].contains(Column("state"))
                        && Column("lastError") != nil)
                .order(Column("id")).limit(100).fetchAll(db)
                .map { NotedDrop(name: $0.name, reason: $0.lastError) }
            return Summary(
                byState: byState, unfinished: unfinished, possibleDuplicates: duplicates,
                oldestUnfinishedClaimedAt: oldest, held: held, retrying: retrying)
        }
    }
}

package enum LedgerError: Error, CustomStringConvertible {
    case missingDrop(Int64)

    package var description: String {
        switch self {
        case .missingDrop(let id): "the ledger has no drop with id \(id)"
        }
    }
}

extension Ledger {
    /// Drops filed (answered and written out) at or after `since`, in filing order.
    package func filed(since: Double) throws -> [DropRecord] {
        try database.read { db in
            try DropRecord.filter(Column("filedAt") >= since).order(Column("filedAt"), Column("id")).fetchAll(db)
        }
    }

    /// Gives a drop's name back (for `dropbridge retry`): the old row keeps a name no drop can have.
    package func releaseName(_ name: String) throws {
        try database.write { db in
            guard var record = try DropRecord.filter(Column("name") == name).fetchOne(db) else { return }
            record.name = "\(name)\u{1}retried-\(record.id ?? 0)"
            try record.update(db)
        }
    }
}
