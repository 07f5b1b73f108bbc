import Synchronization

/// Graceful shutdown as a value the pipelines can look at: no new sends start once it is
/// triggered, and backoff sleeps end early. Sends already in flight are allowed to finish, so
/// their answers are recorded instead of becoming "possible duplicates" at the next start.
///
/// The bookkeeping is `ShutdownSignalStateMachine`; this shell parks and resumes tasks.
package final class ShutdownSignal: Sendable {
    private let machine = Mutex(ShutdownSignalStateMachine<CheckedContinuation<Void, Never>>())

    package init() {}

    package var isTriggered: Bool { machine.withLock { $0.isTriggered } }

    /// Sleeps not over yet (for tests).
    var sleeping: Int { machine.withLock { $0.sleepCount } }

    package func trigger() {
        guard case .resume(let sleepers) = machine.withLock({ $0.trigger() }) else { return }
        for sleeper in sleepers { sleeper.resume() }
    }

    /// Sleeps for `duration`, or less when shutdown is triggered or the task is cancelled.
    /// Returns false on shutdown or cancellation.
    package func sleep(for duration: Duration) async -> Bool {
        guard case .sleep(let ticket) = machine.withLock({ $0.startSleep() }) else { return false }
        let timer = Task {
            guard (try? await Task.sleep(for: duration)) != nil else { return }
            self.wake(ticket)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                if machine.withLock({ $0.park(ticket, continuation) }) == .resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.wake(ticket)
        }
        timer.cancel()
        machine.withLock { $0.finish(ticket) }
        return !isTriggered && !Task.isCancelled
    }

    private func wake(_ ticket: Int) {
        if case .resume(let sleeper) = machine.withLock({ $0.wake(ticket) }) { sleeper.resume() }
    }
}
