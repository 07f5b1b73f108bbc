import Synchronization

/// Why the outbox loop woke up. Many signals between two waits collapse into one wake-up, so a
/// burst of 2,000 inotify events costs one scan, not 2,000.
public struct Wakeup: Sendable, Equatable {
    /// Names that arrived by rename (`IN_MOVED_TO`): complete, no settle window needed.
    public var renamedIn: [[UInt8]] = []
    public var overflow = false
    public var timedOut = false
}

public final class Wakeups: Sendable {
    private struct State {
        var pending: Wakeup?
        var waiter: CheckedContinuation<Wakeup, Never>?
        var waiterToken = 0
    }

    private let state = Mutex(State())

    public init() {}

    public func signal(renamedIn names: [[UInt8]] = [], overflow: Bool = false) {
        let (waiter, wakeup) = state.withLock { state -> (CheckedContinuation<Wakeup, Never>?, Wakeup) in
            var wakeup = state.pending ?? Wakeup()
            wakeup.renamedIn += names
            wakeup.overflow = wakeup.overflow || overflow
            if let waiter = state.waiter {
                state.waiter = nil
                state.pending = nil
                return (waiter, wakeup)
            }
            state.pending = wakeup
            return (nil, wakeup)
        }
        waiter?.resume(returning: wakeup)
    }

    /// Waits for a signal, or at most `timeout`.
    public func wait(timeout: Duration) async -> Wakeup {
        let token: Int? = state.withLock { state in
            if state.pending != nil { return nil }
            state.waiterToken += 1
            return state.waiterToken
        }
        guard let token else {
            return state.withLock { state in
                defer { state.pending = nil }
                return state.pending ?? Wakeup()
            }
        }
        let timer = Task {
            try? await Task.sleep(for: timeout)
            self.expire(token)
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let ready: Wakeup? = state.withLock { state in
                if let pending = state.pending {
                    state.pending = nil
                    return pending
                }
                if state.waiterToken != token {
                    // Expired before we got here.
                    return Wakeup(timedOut: true)
                }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func expire(_ token: Int) {
        let waiter = state.withLock { state -> CheckedContinuation<Wakeup, Never>? in
            guard state.waiterToken == token else { return nil }
            state.waiterToken += 1
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: Wakeup(timedOut: true))
    }
}
