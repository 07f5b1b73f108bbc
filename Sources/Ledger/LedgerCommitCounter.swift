import GRDB
import Synchronization

/// Counts the ledger's committed transactions (each one fsync of the WAL at
/// `synchronous = FULL`), so that `dropbridge bench` can report the syncs per drop of the file
/// layer and the ledger together. Observes no changes, only commits: one relaxed add each.
package final class LedgerCommitCounter: TransactionObserver, Sendable {
    private let commits = Atomic<Int>(0)

    package init() {}

    /// Commits seen since `Ledger.countCommits(with:)` attached this counter.
    package var count: Int { commits.load(ordering: .relaxed) }

    package func observes(eventsOfKind eventKind: DatabaseEventKind) -> Bool { false }
    package func databaseDidChange(with event: DatabaseEvent) {}
    package func databaseDidCommit(_ db: Database) { commits.add(1, ordering: .relaxed) }
    package func databaseDidRollback(_ db: Database) {}
}

extension Ledger {
    /// Attaches `counter` to the ledger's writer for the ledger's lifetime.
    package func countCommits(with counter: LedgerCommitCounter) {
        database.add(transactionObserver: counter, extent: .databaseLifetime)
    }
}
