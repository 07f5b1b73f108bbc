import Synchronization

/// At most `limit` operations at once; the rest wait in arrival order. A task cancelled while
/// it waits leaves the queue and throws `CancellationError` (it never held a permit).
///
/// The bookkeeping is `ConcurrencyGateStateMachine`; this shell parks and resumes tasks.
package final class ConcurrencyGate: Sendable {
    private let machine: Mutex<ConcurrencyGateStateMachine<CheckedContinuation<Void, any Error>>>

    package init(limit: Int) {
        machine = Mutex(ConcurrencyGateStateMachine(limit: limit))
    }

    /// Permits held now, and tasks waiting for one (for tests).
    var inUse: Int { machine.withLock { $0.inUse } }
    var waiting: Int { machine.withLock { $0.waitingCount } }

    package func withPermit<T: Sendable>(_ body: @Sendable () async throws -> T) async throws -> T {
        try await acquire()
        defer { release() }
        return try await body()
    }

    private func acquire() async throws {
        let ticket = machine.withLock { $0.makeTicket() }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                switch machine.withLock({ $0.acquire(ticket, continuation) }) {
                case .proceed(let waiter): waiter.resume()
                case .wait: break
                case .cancel(let waiter): waiter.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            if case .resumeCancelled(let waiter) = machine.withLock({ $0.cancel(ticket) }) {
                waiter.resume(throwing: CancellationError())
            }
        }
    }

    private func release() {
        if case .handOver(let waiter) = machine.withLock({ $0.release() }) { waiter.resume() }
    }
}
