import DropFolder
import Synchronization

/// Decided drops waiting to be claimed, oldest first, and how many are claimed and not yet
/// finished. With thousands of drops waiting in the outbox, only `limit` are claimed at once:
/// the rest wait here as decisions (a few hundred bytes each) rather than as claimed drops with
/// tasks and records of their own. Plain value, driven by the outbox loop.
struct ClaimQueue: Sendable {
    /// The most drops claimed (or being claimed) and not finished.
    let limit: Int
    /// The most decisions kept waiting; beyond it the outbox loop forgets them (the tracker
    /// decides them again in a later scan), so memory does not grow with the backlog.
    let capacity: Int
    private var waiting: [PairingDecision] = []
    private var head = 0

    init(limit: Int, capacity: Int) {
        self.limit = limit
        self.capacity = capacity
    }

    var count: Int { waiting.count - head }

    /// Queues `decisions`; returns those that did not fit (to be forgotten by the tracker).
    mutating func add(_ decisions: [PairingDecision]) -> [PairingDecision] {
        let room = max(0, capacity - count)
        waiting += decisions.prefix(room)
        return Array(decisions.dropFirst(room))
    }

    /// The oldest decisions that fit beside `inFlight` claimed drops.
    mutating func take(inFlight: Int) -> [PairingDecision] {
        let n = min(count, max(0, limit - inFlight))
        defer {
            head += n
            if head == waiting.count {
                waiting.removeAll(keepingCapacity: true)
                head = 0
            } else if head > 1024 && head * 2 > waiting.count {
                waiting.removeFirst(head)
                head = 0
            }
        }
        return Array(waiting[head..<head + n])
    }
}

/// Drops claimed (or being claimed) and not finished, counted across tasks. When the count
/// falls to half the limit while decisions wait, the outbox loop is woken to claim more: one
/// wake-up (and rescan) per half a window, not one per drop.
final class ClaimedInFlight: Sendable {
    private let count = Atomic<Int>(0)
    private let lowWater: Int
    private let wakeups: Wakeups

    init(limit: Int, wakeups: Wakeups) {
        lowWater = max(1, limit / 2)
        self.wakeups = wakeups
    }

    var value: Int { count.load(ordering: .relaxed) }

    func add(_ n: Int) {
        count.add(n, ordering: .relaxed)
    }

    func finished(_ n: Int = 1) {
        let after = count.subtract(n, ordering: .relaxed).newValue
        if after < lowWater && after + n >= lowWater { wakeups.signal() }
    }
}
