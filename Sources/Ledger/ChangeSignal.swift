import Synchronization

/// Wakes whoever waits for something to change (a registration that succeeded, an arrival
/// that NHN proved) at the moment it changes, instead of letting them poll. A waiter reads
/// `generation`, checks its condition, and waits for a change after what it read, so a change
/// between the check and the wait is never missed. Waiting honours cancellation; a deadline or
/// shutdown is the caller's to race against it (`ShutdownSignal.sleep(for:orUntil:changesAfter:)`).
package final class ChangeSignal: Sendable {
    private struct Shell {
        var state = ChangeSignalState()
        var nextTicket: ChangeSignalState.Ticket = 0
        var continuations: [ChangeSignalState.Ticket: CheckedContinuation<Void, Never>] = [:]
    }

    private let shell = Mutex(Shell())

    package init() {}

    package var generation: UInt64 { shell.withLock { $0.state.generation } }
    /// Waiters parked now (for tests).
    package var waiting: Int { shell.withLock { $0.state.parkedCount } }

    /// Wakes every waiter.
    package func changed() {
        let woken = shell.withLock { shell in
            shell.state.changed().compactMap { shell.continuations.removeValue(forKey: $0) }
        }
        for continuation in woken { continuation.resume() }
    }

    /// Returns after the first change past `seen`, at once if there was one, or when the task is
    /// cancelled.
    package func wait(after seen: UInt64) async {
        let ticket = shell.withLock { shell in
            shell.nextTicket += 1
            return shell.nextTicket
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Decided under the lock `onCancel` takes too, so exactly one side resumes.
                let resumeNow = shell.withLock { shell -> Bool in
                    if Task.isCancelled { return true }
                    switch shell.state.wait(ticket, after: seen) {
                    case .resume: return true
                    case .park:
                        shell.continuations[ticket] = continuation
                        return false
                    }
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let cancelled = shell.withLock { shell in
                shell.state.cancel(ticket) ? shell.continuations.removeValue(forKey: ticket) : nil
            }
            cancelled?.resume()
        }
    }
}
