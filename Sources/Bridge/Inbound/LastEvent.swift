import Synchronization

/// How long the notification stream has been silent while the bridge was waiting for it: the
/// shell around `LastEventStateMachine` with the continuous clock, shared by the reader and
/// its watchdog.
final class LastEvent: Sendable {
    private let machine = Mutex(LastEventStateMachine<ContinuousClock>(now: .now))

    /// Runs `work` (handling an event) as time that does not count as silence.
    func busy<T>(_ work: () async throws -> T) async rethrows -> T {
        machine.withLock { $0.workStarted() }
        defer { machine.withLock { $0.workEnded(at: .now) } }
        return try await work()
    }

    /// An event that needed no work (a heartbeat): the connection is alive.
    func touch() { machine.withLock { $0.touched(at: .now) } }

    func watch(idle: Duration) -> LastEventStateMachine<ContinuousClock>.WatchAction {
        machine.withLock { $0.watch(at: .now, idle: idle) }
    }
}
