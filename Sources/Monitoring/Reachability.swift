import Synchronization

/// Per API (`nhn`, `helseid`, `altinn`): when it last answered, since when it has not, and
/// whether it refuses our credentials. Fed by every request's outcome; read by `/readyz`.
package struct ReachabilityState: Sendable, Equatable, Codable {
    package var lastAnswerAt: Double?
    /// Set at the first failure (no answer, or 5xx) after an answer; cleared by the next answer.
    package var failingSince: Double?
    /// Set while the API refuses our credentials (why, in an operator's words).
    package var credentialsRefused: String?
    package var credentialsRefusedSince: Double?

    package init() {}

    package mutating func record(answered: Bool, now: Double) {
        if answered {
            lastAnswerAt = now
            failingSince = nil
        } else if failingSince == nil {
            failingSince = now
        }
    }

    package mutating func credentials(refusal: String?, now: Double) {
        if let refusal {
            if credentialsRefused == nil { credentialsRefusedSince = now }
            credentialsRefused = refusal
        } else {
            credentialsRefused = nil
            credentialsRefusedSince = nil
        }
    }

    /// How long it has given no answer, when longer than `threshold` seconds.
    package func unreachable(longerThan threshold: Double, now: Double) -> Double? {
        guard let since = failingSince, now - since >= threshold else { return nil }
        return now - since
    }
}

/// The shared, thread-safe holder of each API's `ReachabilityState`.
package final class Reachability: Sendable {
    private let states = Mutex<[String: ReachabilityState]>([:])

    package init() {}

    package func record(api: String, answered: Bool, now: Double) {
        states.withLock { $0[api, default: ReachabilityState()].record(answered: answered, now: now) }
    }

    package func credentials(api: String, refusal: String?, now: Double) {
        states.withLock { $0[api, default: ReachabilityState()].credentials(refusal: refusal, now: now) }
    }

    package var snapshot: [String: ReachabilityState] { states.withLock { $0 } }
}
