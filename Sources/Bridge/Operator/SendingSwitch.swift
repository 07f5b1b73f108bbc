import Synchronization

/// `dropbridge pause` / `resume`: while paused no new `POST` starts (sends in flight finish;
/// receiving goes on). Drops wait holding nothing and go on the moment sending resumes.
public final class SendingSwitch: Sendable {
    private struct State {
        var paused = false
        /// Triggered when the current pause ends.
        var resumed = ShutdownSignal()
    }

    private let state = Mutex(State())

    public init() {}

    public var isPaused: Bool { state.withLock { $0.paused } }

    public func pause() {
        state.withLock { state in
            guard !state.paused else { return }
            state.paused = true
            state.resumed = ShutdownSignal()
        }
    }

    public func resume() {
        let resumed = state.withLock { state -> ShutdownSignal? in
            guard state.paused else { return nil }
            state.paused = false
            return state.resumed
        }
        resumed?.trigger()
    }

    /// Returns at once when sending is on; otherwise when it resumes (true) or on shutdown or
    /// cancellation (false).
    public func waitWhilePaused(shutdown: ShutdownSignal) async -> Bool {
        while let resumed = state.withLock({ $0.paused ? $0.resumed : nil }) {
            await sleepUntilEither(shutdown, resumed, for: .seconds(3600))
            if shutdown.isTriggered || Task.isCancelled { return false }
        }
        return !shutdown.isTriggered
    }
}
