/// `GroupCommit`'s bookkeeping as a plain value: writes waiting for the next transaction, and
/// whether a writer is committing. `Pending` is a queued write (a closure and its caller's
/// continuation; a string in tests).
///
/// Writes that arrive while a batch commits wait together for the next one: a burst costs one
/// fsync per batch. There is no shutdown and no cancellation here on purpose: a queued write's
/// caller always learns whether it committed (it may have, and the ledger must say so).
struct GroupCommitStateMachine<Pending> {
    enum State {
        /// No writer runs; nothing is queued.
        case idle
        /// A writer commits batches until the queue is empty; `queue` waits for the next one.
        case writing(queue: [Pending])
    }

    private(set) var state: State = .idle

    var queuedCount: Int {
        switch state {
        case .idle: 0
        case .writing(let queue): queue.count
        }
    }

    enum EnqueueAction {
        /// Nobody is writing: start the writer (it takes this write in its first batch).
        case startWriter
        /// The running writer takes it in its next batch.
        case queued
    }

    mutating func enqueue(_ pending: Pending) -> EnqueueAction {
        switch state {
        case .idle:
            state = .writing(queue: [pending])
            return .startWriter
        case .writing(var queue):
            state = .idle  // not kept: let `queue` be appended to without a copy
            queue.append(pending)
            state = .writing(queue: queue)
            return .queued
        }
    }

    enum NextBatchAction {
        /// Commit these writes in one transaction, then ask again.
        case commit([Pending])
        /// Nothing left: the writer stops (the next write starts one again).
        case stop
    }

    /// The writer asks for its next batch (first, and after each commit).
    mutating func nextBatch() -> NextBatchAction {
        switch state {
        case .idle:
            return .stop
        case .writing(let queue) where queue.isEmpty:
            state = .idle
            return .stop
        case .writing(let queue):
            state = .writing(queue: [])
            return .commit(queue)
        }
    }
}
