import Ledger

/// Which queued notifications the worker starts, as a plain value (no I/O, no clock): at most
/// `limit` at once; those about the same message strictly one after another in offset order
/// (a status file is read, changed and written back); each only once its own `dueAt` has come.
/// An item whose turn has not come does not hold up items about other messages.
struct QueueSchedule {
    /// What the schedule needs to know of a queued notification.
    struct Item: Equatable {
        var offset: Int64
        /// Items with the same key are handled one after another.
        var key: String
        var dueAt: Double

        init(offset: Int64, key: String, dueAt: Double) {
            self.offset = offset
            self.key = key
            self.dueAt = dueAt
        }

        init(_ queued: QueuedNotification) {
            offset = queued.offset
            key = queued.relatedMessageId.flatMap { $0.isEmpty ? nil : "message " + $0.lowercased() } ?? "offset \(queued.offset)"
            dueAt = queued.nextAttemptAt
        }
    }

    /// What to do now, and when to look again (nil: only when something changes).
    struct Plan: Equatable {
        var start: [Item]
        var wakeAt: Double?
    }

    let limit: Int
    /// Offset → key of the items being handled.
    private(set) var running: [Int64: String] = [:]

    init(limit: Int) {
        self.limit = max(limit, 1)
    }

    /// `pending`: the ledger's pending items (any order; running ones included). Marks the
    /// items to start as running.
    mutating func plan(pending: [Item], now: Double) -> Plan {
        var start: [Item] = []
        var wakeAt: Double?
        // Keys whose earliest pending item is running or has been looked at: later items of the
        // same key wait for it.
        var taken = Set(running.values)
        for item in pending.sorted(by: { $0.offset < $1.offset }) {
            if running[item.offset] != nil { continue }
            guard taken.insert(item.key).inserted else { continue }
            if item.dueAt > now {
                wakeAt = min(wakeAt ?? item.dueAt, item.dueAt)
            } else if running.count < limit {
                running[item.offset] = item.key
                start.append(item)
            }
            // Due but no room: a finishing item makes room and asks for a new plan.
        }
        return Plan(start: start, wakeAt: wakeAt)
    }

    /// The item's handling ended (done, postponed or quarantined: the ledger says which).
    mutating func finished(_ offset: Int64) {
        running.removeValue(forKey: offset)
    }
}

/// What became of one attempt at a queued notification, and what the ledger records for it.
enum QueueOutcome: Equatable {
    case done
    /// A moment's wait for our own send to record its answer: no failure.
    case waitForOwnSend(reason: String)
    /// Transient trouble for this message only: backoff, and at least what NHN asked for
    /// (`Retry-After`, seconds).
    case failed(reason: String, retryAfter: Double? = nil)
    /// Permanent trouble: quarantine.
    case permanent(reason: String)

    /// Seconds until the next attempt, for `waitForOwnSend` and `failed`; `attempts` is the
    /// count of failed attempts before this one.
    func retryDelay(attempts: Int, backoff: RetryPolicy, random: Double = Double.random(in: 0...1)) -> Double? {
        switch self {
        case .done, .permanent: nil
        case .waitForOwnSend: 0.2
        case .failed(_, let retryAfter): backoff.delay(afterFailures: attempts + 1, retryAfter: retryAfter, random: random)
        }
    }
}
