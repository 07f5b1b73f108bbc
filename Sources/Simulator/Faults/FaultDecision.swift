/// What the fault injector decided for one request on an NHN route, before it is processed.
enum FaultDecision: Sendable, Hashable {
    /// Process normally.
    case proceed
    /// Drop the TCP connection without answering.
    case reset
    /// Answer this error status instead of processing.
    case status(Int, retryAfterSeconds: Int?)
}

extension FaultSettings {
    /// Decides one request's fate. `latencyMilliseconds` is applied separately, to every request.
    func decide(using dice: inout FaultDice) -> FaultDecision {
        if dice.happens(rate: resetRate) { return .reset }
        let activeRates = statusRates.filter { $0.value > 0 }.sorted { $0.key < $1.key }
        guard !activeRates.isEmpty else { return .proceed }
        let roll = dice.roll()
        var cumulative = 0.0
        for (status, rate) in activeRates {
            cumulative += rate
            if roll < cumulative {
                let retryAfter = (status == 429 || status == 503) ? retryAfterSeconds : nil
                return .status(status, retryAfterSeconds: retryAfter)
            }
        }
        return .proceed
    }
}
