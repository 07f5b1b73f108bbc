import DropbridgeCore
import Foundation

/// Everything `POST /messages` needs, resolved from the sidecar, the MsgHead and the config.
package struct ResolvedMessage: Sendable, Equatable {
    package var senderHerId: Int
    package var receiverHerIds: [Int]
    package var messageTypeIdentificator: String
    package var msgId: String?
    package var overrides: TransportMetadataOverrides?
}

/// The contract's fallback rules (docs/contract.md §2): every field but `receiverHerIds` may come from config or
/// the MsgHead; sidecar and MsgHead naming different senders is a refusal.
package enum MessageResolver {
    package static func resolve(
        sidecar: NHNSidecar?, msgHead: MsgHeadInfo?, configuredSender: Int?
    ) throws(DropFailure) -> ResolvedMessage {
        if let declared = sidecar?.senderHerId, let documented = msgHead?.senderHerId, declared != documented {
            throw DropFailure(
                stage: .validation,
                reason: "the sidecar's senderHerId \(declared) differs from the sender HER-id \(documented) in the MsgHead")
        }
        guard let sender = sidecar?.senderHerId ?? msgHead?.senderHerId ?? configuredSender else {
            throw DropFailure(
                stage: .validation,
                reason: "no sender HER-id: set senderHerId in the sidecar or nhn.senderHerId in the config, or put a HER ident under MsgInfo/Sender")
        }
        let receivers: [Int]
        if let sidecar {
            receivers = sidecar.receiverHerIds
        } else if let documented = msgHead?.receiverHerId {
            receivers = [documented]
        } else {
            throw DropFailure(
                stage: .validation,
                reason: "no receiver HER-id: the drop has no sidecar and the MsgHead has no HER ident under MsgInfo/Receiver")
        }
        guard let messageType = nonEmpty(sidecar?.messageTypeIdentificator) ?? nonEmpty(msgHead?.messageType) else {
            throw DropFailure(
                stage: .validation,
                reason: "no message type: set messageTypeIdentificator in the sidecar or MsgInfo/Type/@V in the MsgHead")
        }
        return ResolvedMessage(
            senderHerId: sender, receiverHerIds: receivers, messageTypeIdentificator: messageType,
            msgId: msgHead?.msgId, overrides: sidecar?.transportMetadataOverrides)
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let trimmed = text?.trimmingCharacters(in: .whitespaces), !trimmed.isEmpty else { return nil }
        return trimmed
    }
}
