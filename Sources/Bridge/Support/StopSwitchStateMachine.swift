/// `StopSwitch`'s bookkeeping as a plain value. `Waiter` is what the shell resumes (a
/// continuation; a string in tests).
struct StopSwitchStateMachine<Waiter> {
    enum State {
        /// Not flipped; nobody waits yet.
        case armed
        /// `run` waits for the flip.
        case waiting(Waiter)
        /// Flipped, or the group shuts down, or `run`'s task was cancelled: `run` returns.
        case flipped
    }

    private(set) var state: State = .armed

    var isWaiting: Bool {
        if case .waiting = state { return true }
        return false
    }

    var isFlipped: Bool {
        if case .flipped = state { return true }
        return false
    }

    enum WaitAction {
        case wait
        /// Flipped already: return at once.
        case resumeNow
    }

    mutating func wait(_ waiter: Waiter) -> WaitAction {
        switch state {
        case .armed:
            state = .waiting(waiter)
            return .wait
        case .waiting:
            // One `run` at a time (a `Service` runs once); a second one returns at once.
            return .resumeNow
        case .flipped:
            return .resumeNow
        }
    }

    enum FlipAction {
        case resume(Waiter)
        case none
    }

    /// Flipped by its owner, by graceful shutdown, or by cancellation: all end the wait alike.
    mutating func flip() -> FlipAction {
        defer { state = .flipped }
        if case .waiting(let waiter) = state { return .resume(waiter) }
        return .none
    }
}
