#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A document a test or operator places in the network as if a counterparty had sent it.
package struct InjectRequest: Sendable, Codable, Equatable {
    package var senderHerId: Int
    package var receiverHerIds: [Int]
    /// The XML itself (not base64).
    package var document: String
    /// Taken from `MsgInfo/Type` when missing (`APPREC` for an AppRec).
    package var messageTypeIdentificator: String?
    /// NHN's id for the message (a GUID); a new one when missing. Lets a test set a
    /// `MessageFault` before the message is announced.
    package var messageId: String?

    package init(
        senderHerId: Int, receiverHerIds: [Int], document: String, messageTypeIdentificator: String? = nil, messageId: String? = nil
    ) {
        self.messageId = messageId
        self.senderHerId = senderHerId
        self.receiverHerIds = receiverHerIds
        self.document = document
        self.messageTypeIdentificator = messageTypeIdentificator
    }
}

extension InjectRequest {
    /// Reasons the request cannot be used, empty when it can.
    var problems: [String] {
        var problems: [String] = []
        if senderHerId < 1 { problems.append("senderHerId: must be a positive HER-id") }
        if receiverHerIds.isEmpty { problems.append("receiverHerIds: must contain at least one HER-id") }
        if receiverHerIds.contains(where: { $0 < 1 }) { problems.append("receiverHerIds: must be positive HER-ids") }
        if let messageId, UUID(uuidString: messageId) == nil { problems.append("messageId: must be a GUID") }
        return problems
    }

    /// The stored message, with its facts read from the XML; refuses XML NHN would refuse.
    func stored(using inspector: any DocumentInspecting) throws(NHNProblem) -> StoredMessage {
        let problems = problems
        guard problems.isEmpty else { throw .validation("Invalid injection.", errors: problems) }
        let facts: (msgId: String?, genDate: String?, type: String?, isAppRec: Bool)
        switch inspector.inspect(Array(document.utf8)) {
        case .refused(let reason, _):
            throw .validation("The document was refused: \(reason).", errors: ["document: \(reason)"])
        case .msgHead(let head):
            facts = (head.msgId, head.genDate, head.messageType, false)
        case .appRec(let appRec):
            facts = (appRec.id, nil, "APPREC", true)
        case .other:
            facts = (nil, nil, nil, false)
        }
        guard let type = messageTypeIdentificator ?? facts.type else {
            throw .validation(
                "The message type is unknown.", errors: ["messageTypeIdentificator: required when the document has none"])
        }
        return StoredMessage(
            id: messageId?.lowercased() ?? UUID().uuidString.lowercased(), senderHerId: senderHerId, receiverHerIds: receiverHerIds, businessDocumentId: facts.msgId,
            genDate: facts.genDate, messageType: type, document: document, isAppRec: facts.isAppRec)
    }
}
