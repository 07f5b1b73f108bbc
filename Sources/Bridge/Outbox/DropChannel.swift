import DropbridgeCore
import Ledger
import NHNClient

/// One national channel as the outbox sees it. The pipeline prepares a drop (`DropPreparer`,
/// shared: the sidecar says the channel), records "sending", hands the prepared drop to its
/// channel, records the one `DeliveryOutcome`, and files it, asking the channel only what its
/// receipts say per recipient. NHN (`NHNChannel`) and Altinn (`AltinnChannel`) implement it.
public protocol DropChannel: Sendable {
    /// Sends the prepared drop (all its receivers) and says how it went. Never throws: trouble
    /// is an outcome.
    func deliver(_ prepared: PreparedDrop, for drop: DropRecord) async -> DeliveryOutcome
    /// Per-recipient results for `sent.json` and `error.json`; nil when the channel has none
    /// beyond the drop's own record (NHN: one message for every receiver).
    func recipientResults(for drop: DropRecord) throws -> [RecipientResult]?
}

/// How one delivery attempt ended, whatever the channel.
public enum DeliveryOutcome: Sendable, Equatable {
    /// Every receiver has it; `messageId` is the channel's id (NHN's shipment id, or the first
    /// correspondence id for Altinn).
    case accepted(messageId: String)
    /// Refused for good, nothing delivered: `failed/`.
    case refused(DropFailure)
    /// Some recipients have it, the rest were refused for good: `failed/` with the refusals,
    /// and `receipts/NAME.sent.json` for those that have it. Never sent again to either.
    case partlyRefused(DropFailure, firstMessageId: String)
    /// Credentials refused, or the API locked the message (423): an operator must act.
    case held(reason: String)
    /// Passing trouble: try again later (with the server's Retry-After if it gave one).
    /// `mayHaveArrived`: a blind re-send may duplicate it (NHN; Altinn's keys make it safe).
    case retry(reason: String, retryAfter: Double?, mayHaveArrived: Bool)
    /// NHN lost (or never had) the sender's registration: register again, then send.
    case unregistered(reason: String)
}

/// The channels by their sidecar name.
public struct DropChannels: Sendable {
    public var nhn: any DropChannel
    /// nil: `altinn.enabled: false` (such a drop is refused before it is read further).
    public var altinn: (any DropChannel)?

    public init(nhn: any DropChannel, altinn: (any DropChannel)? = nil) {
        self.nhn = nhn
        self.altinn = altinn
    }

    func channel(for prepared: PreparedDrop) -> (any DropChannel)? {
        switch prepared.payload {
        case .message, .appRec: nhn
        case .correspondence: altinn
        }
    }

    func channel(named name: String) -> (any DropChannel)? { name == "altinn" ? altinn : nhn }
}
