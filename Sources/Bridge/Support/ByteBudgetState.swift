/// The bookkeeping of a `ByteBudget` as a plain value: who holds how many bytes, who waits,
/// and whom a release lets in. No locks, no tasks: the shell drives it and acts on its answers.
///
/// Waiters are let in strictly in arrival order, so a large document at the head of the queue
/// is not starved by a stream of small ones. A request for more than the whole capacity is
/// charged the capacity: it runs alone instead of never.
struct ByteBudgetState {
    typealias Ticket = UInt64

    enum ReserveAction: Equatable {
        /// The bytes are reserved: go on.
        case proceed(charged: Int)
        /// Wait until `release` or `cancel` names this ticket.
        case wait
    }

    let capacity: Int
    private(set) var inUse = 0
    /// The most bytes ever reserved at once (never more than `capacity`): for tests and `bench`.
    private(set) var highWater = 0
    private var waiting: [(ticket: Ticket, bytes: Int)] = []

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var waitingCount: Int { waiting.count }

    /// What a request costs: at least one byte, at most the whole budget.
    func charge(for bytes: Int) -> Int { min(max(1, bytes), capacity) }

    mutating func reserve(_ ticket: Ticket, bytes: Int) -> ReserveAction {
        let charged = charge(for: bytes)
        if waiting.isEmpty && inUse + charged <= capacity {
            inUse += charged
            highWater = max(highWater, inUse)
            return .proceed(charged: charged)
        }
        waiting.append((ticket, charged))
        return .wait
    }

    /// Gives `charged` bytes back and returns the waiters that now hold their bytes, in order.
    mutating func release(_ charged: Int) -> [(ticket: Ticket, charged: Int)] {
        inUse -= charged
        precondition(inUse >= 0, "released more bytes than were reserved")
        return admitWaiters()
    }

    /// Changes a holding of `charged` bytes to what `bytes` costs, in place, without waiting: a
    /// shrink always (the waiters it lets in are returned), a growth only when it fits now and
    /// nobody waits ahead (nil otherwise; nothing changes then).
    mutating func resizeNow(from charged: Int, to bytes: Int) -> (charged: Int, admitted: [(ticket: Ticket, charged: Int)])? {
        let wanted = charge(for: bytes)
        if wanted <= charged {
            inUse -= charged - wanted
            return (wanted, admitWaiters())
        }
        guard waiting.isEmpty, inUse - charged + wanted <= capacity else { return nil }
        inUse += wanted - charged
        highWater = max(highWater, inUse)
        return (wanted, [])
    }

    /// A waiter gave up (its task was cancelled). True if it was still waiting; then the
    /// waiters behind it may fit now and are returned too.
    mutating func cancel(_ ticket: Ticket) -> (wasWaiting: Bool, admitted: [(ticket: Ticket, charged: Int)]) {
        guard let index = waiting.firstIndex(where: { $0.ticket == ticket }) else { return (false, []) }
        waiting.remove(at: index)
        return (true, admitWaiters())
    }

    private mutating func admitWaiters() -> [(ticket: Ticket, charged: Int)] {
        var admitted: [(ticket: Ticket, charged: Int)] = []
        while let head = waiting.first, inUse + head.bytes <= capacity {
            waiting.removeFirst()
            inUse += head.bytes
            highWater = max(highWater, inUse)
            admitted.append((head.ticket, head.bytes))
        }
        return admitted
    }
}
