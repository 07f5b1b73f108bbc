/// The bookkeeping of a `ChangeSignal` as a plain value: a generation counter that every change
/// moves on, and the waiters parked until it moves past what they saw. No locks, no tasks: the
/// shell drives it and resumes whom it names.
package struct ChangeSignalState: Sendable, Equatable {
    package typealias Ticket = UInt64

    package enum WaitAction: Sendable, Equatable {
        /// A change came after the generation the waiter saw: go on at once.
        case resume
        /// Park until `changed` or `cancel` names this ticket.
        case park
    }

    /// How many changes there have been.
    package private(set) var generation: UInt64 = 0
    private var parked: Set<Ticket> = []

    package init() {}

    package var parkedCount: Int { parked.count }

    /// A waiter that saw `seen` asks to wait for the next change.
    package mutating func wait(_ ticket: Ticket, after seen: UInt64) -> WaitAction {
        if generation != seen { return .resume }
        parked.insert(ticket)
        return .park
    }

    /// Something changed: every parked waiter is to be resumed.
    package mutating func changed() -> Set<Ticket> {
        generation &+= 1
        defer { parked.removeAll() }
        return parked
    }

    /// The waiter's task was cancelled (or its deadline passed): true if it was parked, and so
    /// must be resumed by the caller; false if a change resumed it already.
    package mutating func cancel(_ ticket: Ticket) -> Bool {
        parked.remove(ticket) != nil
    }
}
