import Synchronization

/// Why the outbox loop woke up. Many signals between two waits collapse into one wake-up, so a
/// burst of 2,000 inotify events costs one scan, not 2,000.
package struct Wakeup: Sendable, Equatable {
    /// Names that arrived by rename (`IN_MOVED_TO`): complete, no settle window needed.
    package var renamedIn: [[UInt8]] = []
    package var overflow = false
    package var timedOut = false
}

/// Wakes one waiting loop (the outbox's, the notification worker's) on a signal, or after a
/// timeout. The bookkeeping is `WakeupsStateMachine`; this shell parks and resumes the task.
/// A cancelled wait returns at once, as timed out.
package final class Wakeups: Sendable {
    private let machine = Mutex(WakeupsStateMachine<CheckedContinuation<Wakeup, Never>>())

    package init() {}

    /// A loop is parked in `wait` (for tests).
    var isWaiting: Bool { machine.withLock { $0.isParked } }

    package func signal(renamedIn names: [[UInt8]] = [], overflow: Bool = false) {
        if case .resume(let waiter, let wakeup) = machine.withLock({ $0.signal(renamedIn: names, overflow: overflow) }) {
            waiter.resume(returning: wakeup)
        }
    }

    /// Waits for a signal, or at most `timeout`.
    package func wait(timeout: Duration) async -> Wakeup {
        let ticket: Int
        switch machine.withLock({ $0.startWait() }) {
        case .returnNow(let wakeup): return wakeup
        case .wait(let started): ticket = started
        }
        let timer = Task {
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            self.expire(ticket)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if case .resumeNow(let wakeup) = machine.withLock({ $0.park(ticket, continuation) }) {
                    continuation.resume(returning: wakeup)
                }
            }
        } onCancel: {
            self.expire(ticket)
        }
    }

    private func expire(_ ticket: Int) {
        if case .resume(let waiter, let wakeup) = machine.withLock({ $0.timeout(ticket) }) {
            waiter.resume(returning: wakeup)
        }
    }
}
