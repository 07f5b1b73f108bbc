/// Every move a drop's state may make, in one table: the pipeline changes `state` only through
/// `DropRecord.advance(_:)`, so no code path invents a transition (see `DropState`).
public enum DropEvent: String, Sendable, CaseIterable {
    /// The drop passed its checks and the request is about to start.
    case sendStarted
    /// The API took it (NHN's id, or every Altinn recipient).
    case accepted
    /// Refused for good (before any request, or by the API; also a partial Altinn refusal).
    case refused
    /// An operator must act (423, credentials).
    case held
    /// Passing trouble, or a registration to renew: sent again later.
    case retryLater
    /// The answer was lost and NHN can prove whether it arrived.
    case answerLost
    /// No proof came in time: send again.
    case proofTimedOut
    /// The inbound side proved an uncertain send arrived.
    case proved
}

public enum DropLifecycle {
    /// The state after `event`, or nil when the event cannot happen in `state`.
    public static func next(_ state: DropState, on event: DropEvent) -> DropState? {
        switch (state, event) {
        case (.claimed, .sendStarted), (.validated, .sendStarted), (.sending, .sendStarted), (.held, .sendStarted):
            .sending
        case (.sending, .accepted), (.uncertain, .proved), (.sending, .proved):
            .accepted
        case (.claimed, .refused), (.validated, .refused), (.sending, .refused), (.held, .refused):
            .failed
        case (.sending, .held), (.validated, .held), (.claimed, .held):
            .held
        case (.sending, .retryLater), (.validated, .retryLater), (.claimed, .retryLater):
            .validated
        case (.sending, .answerLost):
            .uncertain
        case (.uncertain, .proofTimedOut):
            .validated
        default:
            nil
        }
    }
}

extension DropRecord {
    /// Moves to the state `event` leads to; false (and nothing changes) when it leads nowhere
    /// from here, e.g. a late answer for a drop already proved.
    @discardableResult
    public mutating func advance(_ event: DropEvent) -> Bool {
        guard let next = DropLifecycle.next(state, on: event) else { return false }
        state = next
        return true
    }
}
