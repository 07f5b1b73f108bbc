import DropbridgeCore
import Ledger
import NHNClient

/// NHN EDI 2.0 as a `DropChannel`: `POST /messages` (or `/apprec`) through a `MessageSender`,
/// its answer translated into the shared outcome.
public struct NHNChannel: DropChannel {
    public var sender: any MessageSender

    public init(sender: any MessageSender) { self.sender = sender }

    public func deliver(_ prepared: PreparedDrop, for drop: DropRecord) async -> DeliveryOutcome {
        let outcome: SendOutcome
        switch prepared.payload {
        case .message(let message, let document):
            outcome = await sender.send(
                OutgoingMessage(
                    senderHerId: message.senderHerId, receiverHerIds: message.receiverHerIds, document: document,
                    messageTypeIdentificator: message.messageTypeIdentificator, transportMetadataOverrides: message.overrides))
        case .appRec(let answer):
            outcome = await sender.sendAppRec(originalId: answer.messageId, AppRecRequest(answer))
        case .correspondence:
            return .refused(DropFailure(stage: .validation, reason: "an Altinn drop reached the NHN channel"))
        }
        return Self.translate(outcome)
    }

    public func recipientResults(for drop: DropRecord) throws -> [RecipientResult]? { nil }

    static func translate(_ outcome: SendOutcome) -> DeliveryOutcome {
        switch outcome {
        case .accepted(let messageId):
            return .accepted(messageId: messageId)
        case .refused(let status, let problem, let reason) where MissingConfiguration.isRefusal(httpStatus: status, problem: problem):
            return .unregistered(reason: reason)
        case .refused(let status, let problem, let reason):
            return .refused(DropFailure(stage: .sending, reason: reason, httpStatus: status, problem: problem))
        case .locked(_, let reason), .unauthorized(_, let reason):
            return .held(reason: reason)
        case .transient(let reason, let retryAfter, let arrived):
            return .retry(reason: reason, retryAfter: retryAfter.map(\.seconds), mayHaveArrived: arrived)
        }
    }
}
