import DropbridgeCore
import NHNClient

/// The transport seam of the outbox: NHN today, Altinn later.
package protocol MessageSender: Sendable {
    func send(_ message: OutgoingMessage) async -> SendOutcome
    /// `POST /messages/{originalId}/apprec`.
    func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome
}

extension NHNClient: MessageSender {
    package func send(_ message: OutgoingMessage) async -> SendOutcome {
        await sendMessage(message)
    }
}

extension AppRecRequest {
    /// The NHN request for an `NAME.apprec.json` answer: codes from list 8221 with their text.
    init(_ answer: AppRecAnswer) {
        let status: AppRecRequest.Status =
            switch answer.status {
            case .ok: .ok
            case .rejected: .rejected
            case .okErrorInMessagePart: .okErrorInMessagePart
            }
        self.init(
            appRecSenderHerId: answer.receiverHerId, appRecStatus: status,
            appRecErrorList: answer.errors.map {
                NHNAppRecError(
                    errorCode: $0.code, details: $0.details ?? AppRecAnswer.errorCodes[$0.code],
                    description: AppRecAnswer.errorCodes[$0.code], oid: AppRecAnswer.errorCodeSystem)
            })
    }
}
