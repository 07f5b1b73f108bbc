import Synchronization

/// Per API (`nhn`, `helseid`, `altinn`): when it last answered, since when it has not, and
/// whether it refuses our credentials. Fed by every request's outcome; read by `/readyz`.
public struct ReachabilityState: Sendable, Equatable, Codable {
    public var lastAnswerAt: Double?
    /// Set at the first failure (no answer, or 5xx) after an answer; cleared by the next answer.
    public var failingSince: Double?
    /// Set while the API refuses our credentials (why, in an operator's words).
    public var credentialsRefused: String?
    public var credentialsRefusedSince: Double?

    public init() {}

    public mutating func record(answered: Bool, now: Double) {
        if answered {
            lastAnswerAt = now
            failingSince = nil
        } else if failingSince == nil {
            failingSince = now
        }
    }

    public mutating func credentials(refusal: String?, now: Double) {
        if let refusal {
            if credentialsRefused == nil { credentialsRefusedSince = now }
            credentialsRefused = refusal
        } else {
            credentialsRefused = nil
            credentialsRefusedSince = nil
        }
    }

    /// How long it has given no answer, when longer than `threshold` seconds.
    public func unreachable(longerThan threshold: Double, now: Double) -> Double? {
        guard let since = failingSince, now - since >= threshold else { return nil }
        return now - since
    }
}

/// The shared, thread-safe holder of each API's `ReachabilityState`.
public final class Reachability: Sendable {
    private let states = Mutex<[String: ReachabilityState]>([:])

    public init() {}

    public func record(api: String, answered: Bool, now: Double) {
        states.withLock { $0[api, default: ReachabilityState()].record(answered: answered, now: now) }
    }

    public func credentials(api: String, refusal: String?, now: Double) {
        states.withLock { $0[api, default: ReachabilityState()].credentials(refusal: refusal, now: now) }
    }

    public var snapshot: [String: ReachabilityState] { states.withLock { $0 } }
}
