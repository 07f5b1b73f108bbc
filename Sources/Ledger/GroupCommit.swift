import Dispatch
import GRDB
import Synchronization

/// Group commit: ledger writes that arrive while a commit is in progress are applied together
/// in the next transaction, so a burst of drops pays for one fsync per batch instead of one per
/// state change. Each write runs in its own savepoint: one failing write does not undo others.
/// A write's caller resumes only after its batch is committed (durable).
///
/// The bookkeeping is `GroupCommitStateMachine`; this shell runs the writer on its own thread.
final class GroupCommit: Sendable {
    private struct Pending {
        var work: @Sendable (Database) throws -> Void
        var done: @Sendable (Result<Void, any Error>) -> Void
    }

    private let database: any DatabaseWriter
    private let machine = Mutex(GroupCommitStateMachine<Pending>())
    /// The committing thread: one, since SQLite has one writer anyway.
    private let queue = DispatchQueue(label: "dropbridge.ledger.commit")

    init(database: any DatabaseWriter) {
        self.database = database
    }

    func write<T: Sendable>(_ work: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let result = Mutex<T?>(nil)
            let pending = Pending(
                work: { db in
                    let value = try work(db)
                    result.withLock { $0 = value }
                },
                done: { outcome in
                    switch outcome {
                    case .success:
                        guard let value = result.withLock({ $0 }) else {
                            continuation.resume(throwing: LedgerError.missingDrop(0))
                            return
                        }
                        continuation.resume(returning: value)
                    case .failure(let error):
                        continuation.resume(throwing: error)
                    }
                })
            if case .startWriter = machine.withLock({ $0.enqueue(pending) }) { queue.async { self.drain() } }
        }
    }

    /// Commits batches until the queue is empty.
    private func drain() {
        while true {
            guard case .commit(let batch) = machine.withLock({ $0.nextBatch() }) else { return }
            var outcomes = [Result<Void, any Error>](repeating: .success(()), count: batch.count)
            do {
                try database.write { db in
                    for (index, pending) in batch.enumerated() {
                        do {
                            try db.inSavepoint {
                                try pending.work(db)
                                return .commit
                            }
                        } catch {
                            outcomes[index] = .failure(error)
                        }
                    }
                }
            } catch {
                // The commit itself failed (disk full, I/O error): nothing of the batch holds.
                outcomes = Array(repeating: .failure(error), count: batch.count)
            }
            for (pending, outcome) in zip(batch, outcomes) { pending.done(outcome) }
        }
    }
}
