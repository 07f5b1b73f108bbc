/// How claim failures are logged. A claim that fails for a reason of the machine (a full disk,
/// a read-only or failing filesystem) fails again for every drop of every scan: logging each
/// flooded the journal with one error per waiting drop every rescan. Pure state machine: the
/// first failure after success is an error line, the rest are counted and summed up at most
/// once per `summaryInterval`, and the first success after trouble says claiming works again.
package struct ClaimTroubleLog: Sendable, Equatable {
    package enum Action: Sendable, Equatable {
        /// Log this failure at error level.
        case logFailure
        /// Log at debug only (counted for the next summary).
        case logQuietly
        /// Log at error: `failures` claims failed since the last line, the latest with this error.
        case logSummary(failures: Int)
        /// Log at notice: claiming works again after `failures` failed claims.
        case logRecovered(failures: Int)
        case nothing
    }

    private enum State: Sendable, Equatable {
        case clear
        /// `total`: failures since trouble began; `unreported`: since the last line.
        case troubled(lastLineAt: Double, total: Int, unreported: Int)
    }

    package let summaryInterval: Double
    private var state: State = .clear

    package init(summaryInterval: Double = 60) {
        self.summaryInterval = summaryInterval
    }

    package var isTroubled: Bool { state != .clear }

    /// A claim failed (not a drop that vanished) at `now` (seconds, any monotonic origin).
    package mutating func failed(now: Double) -> Action {
        switch state {
        case .clear:
            state = .troubled(lastLineAt: now, total: 1, unreported: 0)
            return .logFailure
        case let .troubled(lastLineAt, total, unreported):
            if now - lastLineAt >= summaryInterval {
                state = .troubled(lastLineAt: now, total: total + 1, unreported: 0)
                return .logSummary(failures: unreported + 1)
            }
            state = .troubled(lastLineAt: lastLineAt, total: total + 1, unreported: unreported + 1)
            return .logQuietly
        }
    }

    /// A claim succeeded.
    package mutating func succeeded() -> Action {
        guard case let .troubled(_, total, _) = state else { return .nothing }
        state = .clear
        return .logRecovered(failures: total)
    }
}
