/// How long the notification stream has been silent, as a plain value over any clock (a
/// controllable one in tests): events and heartbeats reset the silence, and time spent
/// handling an event does not count as silence. The watchdog asks it what to do.
struct LastEventStateMachine<C: Clock> {
    enum State {
        /// Nothing is being handled; the last sign of life was at `since`.
        case quiet(since: C.Instant)
        /// An event is being handled (`depth` at once): the connection is not silent.
        case busy(depth: Int)
    }

    private(set) var state: State

    init(now: C.Instant) {
        state = .quiet(since: now)
    }

    /// An event that needed no work (a heartbeat) arrived.
    mutating func touched(at now: C.Instant) {
        if case .quiet = state { state = .quiet(since: now) }
    }

    /// Handling an event begins.
    mutating func workStarted() {
        switch state {
        case .quiet: state = .busy(depth: 1)
        case .busy(let depth): state = .busy(depth: depth + 1)
        }
    }

    /// Handling an event ended (however): the silence starts now.
    mutating func workEnded(at now: C.Instant) {
        switch state {
        case .busy(let depth) where depth > 1: state = .busy(depth: depth - 1)
        case .busy, .quiet: state = .quiet(since: now)
        }
    }

    func quietFor(at now: C.Instant) -> C.Duration {
        switch state {
        case .busy: .zero
        case .quiet(let since): since.duration(to: now)
        }
    }

    enum WatchAction: Equatable {
        /// Silent for `idle` or longer: give the connection up.
        case reconnect
        /// Look again after this long (or when shutdown comes).
        case checkAgain(after: C.Duration)
    }

    /// The watchdog's question: is the stream dead, and if not, when to look again.
    func watch(at now: C.Instant, idle: C.Duration) -> WatchAction {
        switch state {
        case .busy:
            return .checkAgain(after: idle)
        case .quiet(let since):
            let quiet = since.duration(to: now)
            return quiet >= idle ? .reconnect : .checkAgain(after: idle - quiet)
        }
    }
}
