/// `ShutdownSignal`'s bookkeeping as a plain value: whether shutdown was triggered, and each
/// sleep between its start and its end. `Waiter` is whatever the shell resumes (a
/// continuation; a string in tests). One action per event; the shell acts on it.
///
/// A sleep is `starting` until its waiter parks: its timer or a cancellation may come first,
/// and must not be lost (`woken`), and a late one after the sleep is over must do nothing.
struct ShutdownSignalStateMachine<Waiter> {
    typealias Ticket = Int

    enum Sleep {
        case starting
        case parked(Waiter)
        /// Its timer fired or its task was cancelled (before or after it parked).
        case woken
    }

    enum State {
        case running(sleeps: [Ticket: Sleep])
        case triggered
    }

    private(set) var state: State = .running(sleeps: [:])
    private var lastTicket: Ticket = 0

    var isTriggered: Bool {
        if case .triggered = state { return true }
        return false
    }

    var sleepCount: Int {
        if case .running(let sleeps) = state { return sleeps.count }
        return 0
    }

    enum StartSleepAction: Equatable {
        /// Sleep under this ticket: start its timer, then park.
        case sleep(Ticket)
        /// Shutdown was triggered: do not sleep.
        case stopped
    }

    mutating func startSleep() -> StartSleepAction {
        guard case .running(var sleeps) = state else { return .stopped }
        lastTicket += 1
        sleeps[lastTicket] = .starting
        state = .running(sleeps: sleeps)
        return .sleep(lastTicket)
    }

    enum ParkAction: Equatable {
        case wait
        /// Woken (or shutdown) before it parked: resume the waiter at once.
        case resumeNow
    }

    mutating func park(_ ticket: Ticket, _ waiter: Waiter) -> ParkAction {
        guard case .running(var sleeps) = state, case .starting? = sleeps[ticket] else { return .resumeNow }
        sleeps[ticket] = .parked(waiter)
        state = .running(sleeps: sleeps)
        return .wait
    }

    enum WakeAction {
        case resume(Waiter)
        case none
    }

    /// The sleep's timer fired, or its task was cancelled.
    mutating func wake(_ ticket: Ticket) -> WakeAction {
        guard case .running(var sleeps) = state, let sleep = sleeps[ticket] else { return .none }
        sleeps[ticket] = .woken
        state = .running(sleeps: sleeps)
        if case .parked(let waiter) = sleep { return .resume(waiter) }
        return .none
    }

    /// The sleep is over (its waiter resumed): forget it.
    mutating func finish(_ ticket: Ticket) {
        guard case .running(var sleeps) = state else { return }
        sleeps.removeValue(forKey: ticket)
        state = .running(sleeps: sleeps)
    }

    enum TriggerAction {
        /// Resume every parked sleeper.
        case resume([Waiter])
        /// Triggered before: nothing to do.
        case none
    }

    mutating func trigger() -> TriggerAction {
        guard case .running(let sleeps) = state else { return .none }
        state = .triggered
        return .resume(sleeps.values.compactMap { if case .parked(let waiter) = $0 { waiter } else { nil } })
    }
}
