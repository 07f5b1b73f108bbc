/// When to try a drop again after a transient failure: capped exponential backoff with jitter,
/// never sooner than the server's `Retry-After`.
package struct RetryPolicy: Sendable, Equatable {
    package var initialSeconds: Double
    package var maxSeconds: Double
    /// The delay is multiplied by a random factor in `jitter...1` so that many drops that failed
    /// together do not come back together.
    package var jitter: ClosedRange<Double>

    package init(initialSeconds: Double = 1, maxSeconds: Double = 300, jitter: ClosedRange<Double> = 0.5...1.0) {
        self.initialSeconds = initialSeconds
        self.maxSeconds = maxSeconds
        self.jitter = jitter
    }

    /// "0.6 s", "12 s": a wait as a log line says it.
    package static func describe(_ seconds: Double) -> String {
        seconds < 10 ? "\((seconds * 10).rounded() / 10) s" : "\(Int(seconds.rounded())) s"
    }

    /// Seconds to wait before attempt number `failures + 1`, `failures` ≥ 1 being the failed
    /// attempts so far.
    package func delay(afterFailures failures: Int, retryAfter: Double?, random: Double = Double.random(in: 0...1)) -> Double {
        let exponent = min(max(failures - 1, 0), 30)
        let capped = min(initialSeconds * Double(1 << exponent), maxSeconds)
        let factor = jitter.lowerBound + (jitter.upperBound - jitter.lowerBound) * random
        let backoff = capped * factor
        guard let retryAfter else { return backoff }
        return max(backoff, min(retryAfter, 3600))
    }
}
