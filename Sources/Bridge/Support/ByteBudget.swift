import Synchronization

/// Bounds the bytes of documents held in memory at once, across outbound drops and inbound
/// messages (`memory.inFlightBytes`): a burst of large documents waits for room instead of
/// growing the process without limit. A count of documents cannot do that: 32 documents of
/// 35 MB with their encoded copies are gigabytes.
///
/// The bookkeeping is `ByteBudgetState`; this shell only parks and resumes tasks. A task
/// cancelled while it waits leaves the queue and throws `CancellationError`.
package final class ByteBudget: Sendable {
    private struct Shell {
        var state: ByteBudgetState
        var nextTicket: ByteBudgetState.Ticket = 0
        var parked: [ByteBudgetState.Ticket: CheckedContinuation<Int, any Error>] = [:]
    }

    private let shell: Mutex<Shell>

    package init(capacity: Int) {
        shell = Mutex(Shell(state: ByteBudgetState(capacity: capacity)))
    }

    package var capacity: Int { shell.withLock { $0.state.capacity } }
    /// Bytes reserved now (for tests and status).
    package var inUse: Int { shell.withLock { $0.state.inUse } }
    package var waiting: Int { shell.withLock { $0.state.waitingCount } }
    /// The most bytes reserved at once so far (never more than `capacity`).
    package var highWater: Int { shell.withLock { $0.state.highWater } }

    /// Runs `body` while `bytes` (an estimate of the memory it needs) are reserved.
    package func withReservation<T>(bytes: Int, _ body: () async throws -> T) async throws -> T {
        let charged = try await reserve(bytes)
        defer { release(charged) }
        return try await body()
    }

    /// Reserves `bytes` and hands back the reservation, for work whose size is learnt on the way
    /// (an inbound document: an estimate before the download, its real size once the answer's
    /// head is in). The caller releases it when done.
    package func reservation(bytes: Int) async throws -> Reservation {
        Reservation(budget: self, charged: try await reserve(bytes))
    }

    /// A reservation holding nothing, taken without waiting. It grows only by `resizeNow`: for
    /// work that uses more room when there is some (more uploads at once) but must never wait
    /// for it while it holds other room.
    package func emptyReservation() -> Reservation { Reservation(budget: self, charged: 0) }

    /// Bytes held for one piece of work; resized as its real size becomes known.
    package final class Reservation: Sendable {
        private let budget: ByteBudget
        /// What is held now; 0 once released.
        private let held: Mutex<Int>

        fileprivate init(budget: ByteBudget, charged: Int) {
            self.budget = budget
            held = Mutex(charged)
        }

        package var bytes: Int { held.withLock { $0 } }

        /// Holds `bytes` from now on if that needs no wait: a shrink always, a growth only when
        /// it fits now. False (holding what it held) when it would have to wait: the caller lets
        /// go of what it is holding up (an HTTP connection) and then waits with `resize`.
        package func resizeNow(to bytes: Int) -> Bool {
            held.withLock { held in budget.resizeNow(from: &held, to: bytes) }
        }

        /// Holds `bytes` from now on. Less gives the difference back at once. More waits its
        /// turn like any new request, holding nothing meanwhile: call it only before the memory
        /// is taken (an answer's body not read yet), so that waiting cannot deadlock with other
        /// holders that wait to grow too. Throws `CancellationError` if cancelled while waiting
        /// (then nothing is held).
        package func resize(to bytes: Int) async throws {
            let wanted = budget.charge(for: bytes)
            let current = held.withLock { $0 }
            if wanted == current { return }
            if wanted < current {
                held.withLock { $0 = wanted }
                budget.release(current - wanted)
                return
            }
            release()
            let charged = try await budget.reserve(bytes)
            held.withLock { $0 = charged }
        }

        /// Gives everything back (once; later calls do nothing).
        package func release() {
            let current = held.withLock { held in
                defer { held = 0 }
                return held
            }
            if current > 0 { budget.release(current) }
        }

        deinit { release() }
    }

    private func charge(for bytes: Int) -> Int { shell.withLock { $0.state.charge(for: bytes) } }

    private func resizeNow(from held: inout Int, to bytes: Int) -> Bool {
        let outcome = shell.withLock { shell -> (charged: Int, admitted: [(CheckedContinuation<Int, any Error>, Int)])? in
            guard let resized = shell.state.resizeNow(from: held, to: bytes) else { return nil }
            return (resized.charged, Self.take(resized.admitted, from: &shell))
        }
        guard let outcome else { return false }
        held = outcome.charged
        Self.resume(outcome.admitted)
        return true
    }

    private func reserve(_ bytes: Int) async throws -> Int {
        let ticket = shell.withLock { shell -> ByteBudgetState.Ticket in
            shell.nextTicket += 1
            return shell.nextTicket
        }
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Int, any Error>) in
                // Decided under the lock that `onCancel` takes too, so exactly one side resumes.
                let action = shell.withLock { shell -> ByteBudgetState.ReserveAction? in
                    if Task.isCancelled { return nil }
                    let action = shell.state.reserve(ticket, bytes: bytes)
                    if action == .wait { shell.parked[ticket] = continuation }
                    return action
                }
                switch action {
                case .proceed(let charged): continuation.resume(returning: charged)
                case .wait: break
                case nil: continuation.resume(throwing: CancellationError())
                }
            }
        } onCancel: {
            let (cancelled, admitted) = shell.withLock { shell in
                let outcome = shell.state.cancel(ticket)
                let cancelled = outcome.wasWaiting ? shell.parked.removeValue(forKey: ticket) : nil
                return (cancelled, Self.take(outcome.admitted, from: &shell))
            }
            cancelled?.resume(throwing: CancellationError())
            Self.resume(admitted)
        }
    }

    private func release(_ charged: Int) {
        let admitted = shell.withLock { shell in Self.take(shell.state.release(charged), from: &shell) }
        Self.resume(admitted)
    }

    private static func take(
        _ admitted: [(ticket: ByteBudgetState.Ticket, charged: Int)], from shell: inout Shell
    ) -> [(CheckedContinuation<Int, any Error>, Int)] {
        admitted.compactMap { entry in shell.parked.removeValue(forKey: entry.ticket).map { ($0, entry.charged) } }
    }

    private static func resume(_ admitted: [(CheckedContinuation<Int, any Error>, Int)]) {
        for (continuation, charged) in admitted { continuation.resume(returning: charged) }
    }
}
