/// `ConcurrencyGate`'s bookkeeping as a plain value: permits in use, and who waits for one in
/// arrival order. `Waiter` is what the shell resumes (a continuation; a string in tests).
///
/// A request is `arriving` from its ticket until it parks or proceeds: a cancellation in that
/// window is remembered, so the request gives up when it arrives instead of waiting forever.
struct ConcurrencyGateStateMachine<Waiter> {
    typealias Ticket = Int

    enum Request {
        case arriving
        case cancelledBeforeArrival
        case waiting(Waiter)
    }

    enum State {
        /// `inUse` permits are held; `requests` wait or are about to, `queue` keeps their order.
        case open(inUse: Int, requests: [Ticket: Request], queue: [Ticket])
    }

    let limit: Int
    private(set) var state: State = .open(inUse: 0, requests: [:], queue: [])
    private var lastTicket: Ticket = 0

    init(limit: Int) {
        self.limit = max(1, limit)
    }

    var inUse: Int {
        switch state { case .open(let inUse, _, _): inUse }
    }

    var waitingCount: Int {
        switch state { case .open(_, _, let queue): queue.count }
    }

    mutating func makeTicket() -> Ticket {
        lastTicket += 1
        guard case .open(let inUse, var requests, let queue) = state else { return lastTicket }
        requests[lastTicket] = .arriving
        state = .open(inUse: inUse, requests: requests, queue: queue)
        return lastTicket
    }

    enum AcquireAction {
        /// A permit is held: resume the waiter to go on.
        case proceed(Waiter)
        /// Wait for `release` to hand a permit over.
        case wait
        /// Its task was cancelled before it arrived: resume the waiter with cancellation.
        case cancel(Waiter)
    }

    mutating func acquire(_ ticket: Ticket, _ waiter: Waiter) -> AcquireAction {
        guard case .open(var inUse, var requests, var queue) = state else { return .cancel(waiter) }
        defer { state = .open(inUse: inUse, requests: requests, queue: queue) }
        switch requests.removeValue(forKey: ticket) {
        case .cancelledBeforeArrival?:
            return .cancel(waiter)
        case .arriving?, .waiting?, nil:
            // Strict arrival order: a free permit is not taken past someone already waiting.
            if queue.isEmpty && inUse < limit {
                inUse += 1
                return .proceed(waiter)
            }
            requests[ticket] = .waiting(waiter)
            queue.append(ticket)
            return .wait
        }
    }

    enum ReleaseAction {
        /// The permit goes straight to this waiter.
        case handOver(Waiter)
        case none
    }

    mutating func release() -> ReleaseAction {
        guard case .open(var inUse, var requests, var queue) = state else { return .none }
        defer { state = .open(inUse: inUse, requests: requests, queue: queue) }
        while !queue.isEmpty {
            let next = queue.removeFirst()
            if case .waiting(let waiter)? = requests.removeValue(forKey: next) { return .handOver(waiter) }
        }
        precondition(inUse > 0, "released a permit that was not held")
        inUse -= 1
        return .none
    }

    enum CancelAction {
        /// It was waiting: resume it with cancellation (it holds no permit).
        case resumeCancelled(Waiter)
        case none
    }

    mutating func cancel(_ ticket: Ticket) -> CancelAction {
        guard case .open(let inUse, var requests, var queue) = state else { return .none }
        defer { state = .open(inUse: inUse, requests: requests, queue: queue) }
        switch requests[ticket] {
        case .arriving?:
            requests[ticket] = .cancelledBeforeArrival
            return .none
        case .waiting(let waiter)?:
            requests.removeValue(forKey: ticket)
            queue.removeAll { $0 == ticket }
            return .resumeCancelled(waiter)
        case .cancelledBeforeArrival?, nil:
            // Already holds its permit (or gave up): cancellation is its body's business.
            return .none
        }
    }
}
