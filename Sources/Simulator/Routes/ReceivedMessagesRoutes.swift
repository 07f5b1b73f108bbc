#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import DropbridgeCore
import Hummingbird

/// Reading and answering messages by id (docs/nhn-edi.md §3.5–3.9).
struct ReceivedMessagesRoutes: Sendable {
    let state: SimulatorState

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get("messages/:id") { _, context in
            JSONResponse.make(status: .ok, try await message(context).metadata)
        }
        group.get("messages/:id/business-document") { _, context in
            let message = try await message(context)
            let fault = await state.messageFault(message.id)
            if fault?.documentNotBase64 == true {
                return JSONResponse.make(status: .ok, ["businessDocument": "<not base64!>", "contentTransferEncoding": "base64"])
            }
            if let status = fault?.documentStatus {
                throw NHNProblem(
                    status: HTTPResponse.Status.standard(status), errorCode: .typical(for: status),
                    detail: "The business document of message \(message.id) cannot be given out (simulated fault).")
            }
            return JSONResponse.make(status: .ok, [
                "businessDocument": Data(message.document.utf8).base64EncodedString(),
                "contentType": "application/xml",
                "contentTransferEncoding": "base64",
            ])
        }
        group.get("messages/:id/status") { _, context in
            let message = try await message(context)
            if await state.messageFault(message.id)?.nullStatusList == true {
                return JSONResponse.make(status: .ok, NullStatusList())
            }
            return JSONResponse.make(status: .ok, ["statusList": message.statuses])
        }
        group.put("messages/:id/downloaded") { request, context in
            let message = try await message(context)
            try RequestBodyReader.requireJSON(request)
            let receiver = try Self.receiverHerId(try await RequestBodyReader.collect(request, limit: 1_000_000))
            try checkReceiver(receiver, of: message)
            // v3: a call for a HER-id without an MSH configuration is refused.
            try await MshConfigurationRoutes.requireConfigured(receiver, as: "receiverHerId", in: state)
            await state.markDownloaded(message.id, by: receiver)
            return Response(status: .noContent)
        }
        group.post("messages/:id/apprec") { request, context in
            try await appRec(request, context: context)
        }
    }

    /// The message named in the path; 404/1010 when unknown, 403/1201 when no own HER-id is a party.
    private func message(_ context: SimulatorRequestContext) async throws -> StoredMessage {
        let id = context.parameters.get("id") ?? ""
        guard let message = await state.storedMessage(id.lowercased()) else {
            throw NHNProblem.notFound("No message with id \(id).")
        }
        let own = state.settings.ownHerIds
        guard own.contains(message.senderHerId) || message.receiverHerIds.contains(where: own.contains) else {
            throw NHNProblem(
                status: .forbidden, errorCode: .callerNotParty,
                detail: "The caller is not the sender, a receiver or a copy receiver of message \(message.id).")
        }
        return message
    }

    /// An own HER-id (403/1202) that receives the message (403/1201).
    private func checkReceiver(_ herId: Int, of message: StoredMessage) throws(NHNProblem) {
        guard state.settings.ownHerIds.contains(herId) else {
            throw NHNProblem(
                status: .forbidden, errorCode: .herIdNotAuthorised,
                detail: "The caller acts for HER-id \(herId), which its authorisation does not cover.")
        }
        guard message.receiverHerIds.contains(herId) else {
            throw NHNProblem(
                status: .forbidden, errorCode: .callerNotParty,
                detail: "HER-id \(herId) is not a receiver of message \(message.id).")
        }
    }

    private static func receiverHerId(_ body: [UInt8]) throws(NHNProblem) -> Int {
        var reader = try FieldReader.body(body, allowedKeys: ["receiverHerId"])
        let herId = reader.herId("receiverHerId")
        guard reader.errors.isEmpty, let herId else {
            throw .validation("One or more validation errors occurred.", errors: reader.errors)
        }
        return herId
    }

    private func appRec(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let original = try await message(context)
        try RequestBodyReader.requireJSON(request)
        let body = try await RequestBodyReader.collect(request, limit: state.settings.maxRequestBytes)
        let parsed = try AppRecRequest.parse(body)
        guard !original.isAppRec else {
            throw NHNProblem(
                status: .badRequest, errorCode: .appRecForAppRec,
                detail: "Message \(original.id) is itself an AppRec; an AppRec is never answered.",
                validationErrors: [])
        }
        guard original.receiverHerIds.contains(parsed.appRecSenderHerId) else {
            throw NHNProblem(
                status: .badRequest, errorCode: .appRecSenderNotReceiver,
                detail: "HER-id \(parsed.appRecSenderHerId) is not a receiver of message \(original.id).",
                validationErrors: [])
        }
        try checkReceiver(parsed.appRecSenderHerId, of: original)
        try await MshConfigurationRoutes.requireConfigured(parsed.appRecSenderHerId, as: "appRecSenderHerId", in: state)
        let received = ReceivedAppRec(
            id: UUID().uuidString.lowercased(), originalMessageId: original.id,
            appRecSenderHerId: parsed.appRecSenderHerId, appRecStatus: parsed.appRecStatus,
            appRecErrorList: parsed.appRecErrorList, applicationName: parsed.applicationName,
            applicationVersion: parsed.applicationVersion, receivedAt: Date())
        let statusCode = ["Ok": "1", "Rejected": "2", "OkErrorInMessagePart": "3"][parsed.appRecStatus] ?? "1"
        let document = AppRecWriter.document(
            id: received.id, status: statusCode, originalMsgId: original.businessDocumentId ?? original.id,
            originalType: original.messageType, from: parsed.appRecSenderHerId, to: original.senderHerId)
        await state.recordAppRec(received, document: document, original: original)
        context.logger.info(
            "Accepted AppRec", metadata: ["id": "\(received.id)", "original": "\(original.id)", "status": "\(parsed.appRecStatus)"])
        return JSONResponse.acceptedShipment(received.id)
    }
}

/// `{"statusList": null}`, as NHN answers for a message without receivers' states yet.
private struct NullStatusList: Encodable {
    func encode(to encoder: any Encoder) throws {
        var json = encoder.container(keyedBy: Key.self)
        try json.encodeNil(forKey: .statusList)
    }

    private enum Key: String, CodingKey { case statusList }
}
