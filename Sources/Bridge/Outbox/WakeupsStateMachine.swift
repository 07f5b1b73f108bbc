/// `Wakeups`' bookkeeping as a plain value: signals collected since the last wait, and the one
/// loop waiting for them. `Waiter` is what the shell resumes (a continuation; a string in
/// tests). Many signals between two waits collapse into one `Wakeup`.
struct WakeupsStateMachine<Waiter> {
    typealias Ticket = Int

    enum State {
        /// Nothing collected, nobody waiting.
        case idle
        /// Signals collected; the next wait returns them at once.
        case pending(Wakeup)
        /// A wait under `ticket`; `waiter` is nil until it parks.
        case waiting(ticket: Ticket, waiter: Waiter?)
        /// The wait's timer fired (or its task was cancelled) before it parked.
        case expired(ticket: Ticket)
    }

    private(set) var state: State = .idle
    private var lastTicket: Ticket = 0

    /// A waiter is parked.
    var isParked: Bool {
        if case .waiting(_, _?) = state { return true }
        return false
    }

    enum SignalAction {
        case resume(Waiter, Wakeup)
        case none
    }

    mutating func signal(renamedIn names: [[UInt8]], overflow: Bool) -> SignalAction {
        var wakeup: Wakeup
        switch state {
        case .pending(let collected): wakeup = collected
        case .waiting(_, let waiter?):
            state = .idle
            return .resume(waiter, Wakeup(renamedIn: names, overflow: overflow))
        case .idle, .waiting(_, nil), .expired: wakeup = Wakeup()
        }
        wakeup.renamedIn += names
        wakeup.overflow = wakeup.overflow || overflow
        // A wait that has not parked yet finds it when it does.
        state = .pending(wakeup)
        return .none
    }

    enum StartWaitAction: Equatable {
        /// Signals were collected: return them without waiting.
        case returnNow(Wakeup)
        /// Start the timer for this ticket, then park.
        case wait(Ticket)
    }

    mutating func startWait() -> StartWaitAction {
        switch state {
        case .pending(let wakeup):
            state = .idle
            return .returnNow(wakeup)
        case .waiting:
            // One waiter at a time: a second one is woken at once (a spurious wake-up, which
            // the loops tolerate) rather than left hanging.
            return .returnNow(Wakeup())
        case .idle, .expired:
            lastTicket += 1
            state = .waiting(ticket: lastTicket, waiter: nil)
            return .wait(lastTicket)
        }
    }

    enum ParkAction {
        case wait
        case resumeNow(Wakeup)
    }

    mutating func park(_ ticket: Ticket, _ waiter: Waiter) -> ParkAction {
        switch state {
        case .waiting(ticket, nil):
            state = .waiting(ticket: ticket, waiter: waiter)
            return .wait
        case .pending(let wakeup):
            state = .idle
            return .resumeNow(wakeup)
        case .expired(ticket):
            state = .idle
            return .resumeNow(Wakeup(timedOut: true))
        case .idle, .waiting, .expired:
            return .resumeNow(Wakeup(timedOut: true))
        }
    }

    enum TimeoutAction {
        case resume(Waiter, Wakeup)
        case none
    }

    /// The wait's timer fired, or its task was cancelled: it ends as timed out.
    mutating func timeout(_ ticket: Ticket) -> TimeoutAction {
        guard case .waiting(ticket, let waiter) = state else { return .none }
        guard let waiter else {
            state = .expired(ticket: ticket)
            return .none
        }
        state = .idle
        return .resume(waiter, Wakeup(timedOut: true))
    }
}
