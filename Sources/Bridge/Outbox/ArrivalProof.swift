import DropbridgeCore
import Ledger

/// Whether NHN can prove that an uncertain `POST /messages` arrived: with receiving on, a
/// notification about our own message names its MsgId (the inbound side then calls
/// `Ledger.proveArrival`). Such a drop waits up to `waitSeconds` for that proof before it is
/// sent again; without receiving it is sent again at once (counted as a possible duplicate).
public struct ArrivalProof: Sendable, Equatable {
    /// `nhn.uncertainSeconds`.
    public var waitSeconds: Double
    /// HER-ids whose notifications we read; empty when receiving is off.
    public var notifiedHerIds: Set<Int>

    public init(waitSeconds: Double, notifiedHerIds: Set<Int>) {
        self.waitSeconds = waitSeconds
        self.notifiedHerIds = notifiedHerIds
    }

    public init(config: BridgeConfig) {
        let receiving = config.nhn.enabled && config.nhn.receive != .off
        self.init(waitSeconds: config.nhn.uncertainSeconds, notifiedHerIds: receiving ? Set(config.nhn.herIds) : [])
    }

    public static let off = ArrivalProof(waitSeconds: 0, notifiedHerIds: [])

    /// Messages (not AppRec answers) with a MsgId, from a HER-id whose notifications we read.
    public func canProve(_ drop: DropRecord) -> Bool {
        guard waitSeconds > 0, !drop.isAppRecAnswer, drop.msgId != nil, let sender = drop.senderHerId else { return false }
        return notifiedHerIds.contains(sender)
    }

    /// Puts a drop whose send may have arrived into `uncertain`, with its deadline.
    public func markUncertain(_ row: inout DropRecord, now: Double, reason: String) {
        row.advance(.answerLost)
        row.nextAttemptAt = now + waitSeconds
        row.lastError = reason
    }
}
