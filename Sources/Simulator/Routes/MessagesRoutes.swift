#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DropbridgeCore
import Hummingbird

/// What `POST /messages` needs to know about an accepted document.
struct DocumentFacts: Sendable, Equatable {
    var msgId: String?
    var genDate: String?
    var isAppRec: Bool
}

/// `POST /messages` (docs/nhn-edi.md §3.2). Reading messages by id is in
/// `ReceivedMessagesRoutes`.
struct MessagesRoutes: Sendable {
    let state: SimulatorState
    let inspector: any DocumentInspecting

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.post("messages") { request, context in
            try await send(request, context: context)
        }
    }

    func send(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        try RequestBodyReader.requireJSON(request)
        let settings = state.settings
        let body = try await RequestBodyReader.collect(request, limit: settings.maxRequestBytes)
        let message = try SendMessageRequest.parse(body)

        guard settings.ownHerIds.contains(message.senderHerId) else {
            throw NHNProblem(
                status: .forbidden, errorCode: .herIdNotAuthorised,
                detail: "The caller acts for HER-id \(message.senderHerId), which its authorisation does not cover.")
        }
        try await MshConfigurationRoutes.requireConfigured(message.senderHerId, as: "senderHerId", in: state)
        let document = try decodeDocument(message.businessDocument)
        let facts = try check(document: document, against: message)
        let msgId = facts.msgId

        let accepted = ReceivedMessage(
            id: UUID().uuidString.lowercased(),
            senderHerId: message.senderHerId,
            receiverHerIds: message.receiverHerIds,
            messageTypeIdentificator: message.messageTypeIdentificator,
            msgId: msgId,
            document: document.text,
            sourceSystem: request.headers[NHNHeadersMiddleware.sourceSystem].map(trimmed) ?? "",
            applicationName: message.applicationName,
            applicationVersion: message.applicationVersion,
            receivedAt: Date())
        await state.record(accepted)
        // The simulated network takes it from here: own receivers, counterparties, refusals.
        await state.deliver(StoredMessage(
            id: accepted.id, senderHerId: accepted.senderHerId, receiverHerIds: accepted.receiverHerIds,
            businessDocumentId: msgId, genDate: facts.genDate, messageType: accepted.messageTypeIdentificator,
            document: accepted.document, isAppRec: facts.isAppRec))
        context.logger.info(
            "Accepted message",
            metadata: ["id": "\(accepted.id)", "senderHerId": "\(accepted.senderHerId)", "msgId": "\(msgId ?? "-")"])

        if await state.shouldResetAfterAccept() {
            context.logger.debug("Fault: dropping the connection after accepting the message")
            throw await ConnectionDropper.drop(context.channel)
        }
        return JSONResponse.acceptedShipment(accepted.id)
    }

    /// The business document as bytes and text: base64 that decodes to UTF-8.
    private func decodeDocument(_ base64: String) throws(NHNProblem) -> (bytes: [UInt8], text: String) {
        guard let data = Data(base64Encoded: base64) else {
            throw .validation(
                "businessDocument is not valid base64.", errors: ["businessDocument: not valid base64"])
        }
        let bytes = [UInt8](data)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw .validation(
                "The business document is not UTF-8.", errors: ["businessDocument: the XML must be UTF-8"])
        }
        return (bytes, text)
    }

    /// Checks the document against the metadata; returns its MsgId (or AppRec Id).
    private func check(document: (bytes: [UInt8], text: String), against message: SendMessageRequest) throws(NHNProblem) -> DocumentFacts {
        switch inspector.inspect(document.bytes) {
        case .refused(let reason, let errors):
            let located = errors.map { "businessDocument: \($0.description)" }
            throw .validation(
                "The business document was refused: \(reason)" + (errors.first.map { " (\($0.description))" } ?? "") + ".",
                errors: located.isEmpty ? ["businessDocument: \(reason)"] : located)
        case .msgHead(let head):
            var errors: [String] = []
            if head.messageType != message.messageTypeIdentificator {
                errors.append(
                    "messageTypeIdentificator: '\(message.messageTypeIdentificator)' does not match the document's MsgInfo/Type '\(head.messageType ?? "")'")
            }
            if head.senderHerId != message.senderHerId {
                let inDocument = head.senderHerId.map(String.init) ?? "none"
                errors.append(
                    "senderHerId: \(message.senderHerId) does not match the document's sender HER-id (\(inDocument))")
            }
            guard errors.isEmpty else {
                throw .validation("The metadata does not match the business document.", errors: errors)
            }
            return DocumentFacts(msgId: head.msgId, genDate: head.genDate, isAppRec: false)
        case .appRec(let appRec):
            guard message.receiverHerIds.count == 1 else {
                throw .validation(
                    "An AppRec has exactly one receiver.",
                    errors: ["receiverHerIds: an AppRec must have exactly one receiver"])
            }
            return DocumentFacts(msgId: appRec.id, genDate: nil, isAppRec: true)
        case .other:
            return DocumentFacts(msgId: nil, genDate: nil, isAppRec: false)
        }
    }
}
