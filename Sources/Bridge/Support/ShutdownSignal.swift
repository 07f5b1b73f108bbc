import Synchronization

/// Graceful shutdown as a value the pipelines can look at: no new sends start once it is
/// triggered, and backoff sleeps end early. Sends already in flight are allowed to finish, so
/// their answers are recorded instead of becoming "possible duplicates" at the next start.
public final class ShutdownSignal: Sendable {
    private struct State {
        var triggered = false
        var sleepers: [Int: CheckedContinuation<Void, Never>] = [:]
        /// Sleeps not over yet: a late wake-up for one that is over does nothing.
        var live: Set<Int> = []
        /// Timers that fired before their sleeper got to wait.
        var expired: Set<Int> = []
        var nextToken = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var isTriggered: Bool { state.withLock { $0.triggered } }

    public func trigger() {
        let sleepers = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.triggered = true
            defer { state.sleepers.removeAll() }
            return Array(state.sleepers.values)
        }
        for sleeper in sleepers { sleeper.resume() }
    }

    /// Sleeps for `duration`, or less when shutdown is triggered or the task is cancelled.
    /// Returns false on shutdown or cancellation.
    public func sleep(for duration: Duration) async -> Bool {
        let token = state.withLock { state -> Int? in
            guard !state.triggered else { return nil }
            state.nextToken += 1
            state.live.insert(state.nextToken)
            return state.nextToken
        }
        guard let token else { return false }
        let timer = Task {
            guard (try? await Task.sleep(for: duration)) != nil else { return }
            self.wake(token)
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.triggered || state.expired.remove(token) != nil { return true }
                    state.sleepers[token] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            self.wake(token)
        }
        timer.cancel()
        // The timer and a cancellation may both have woken it: forget the token either way.
        state.withLock { state in
            state.live.remove(token)
            state.expired.remove(token)
        }
        return !isTriggered && !Task.isCancelled
    }

    private func wake(_ token: Int) {
        let sleeper = state.withLock { state -> CheckedContinuation<Void, Never>? in
            guard state.live.contains(token) else { return nil }
            guard let sleeper = state.sleepers.removeValue(forKey: token) else {
                state.expired.insert(token)
                return nil
            }
            return sleeper
        }
        sleeper?.resume()
    }
}
