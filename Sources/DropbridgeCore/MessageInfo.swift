/// What dropbridge reads from a MsgHead document (see docs/docs/docs/kith-messages.md §5).
package struct MsgHeadInfo: Sendable, Equatable, Codable {
    package var msgId: String?
    /// `MsgInfo/Type/@V`, the NHN `messageTypeIdentificator`.
    package var messageType: String?
    package var genDate: String?
    /// Innermost HER-id under `MsgInfo/Sender`.
    package var senderHerId: Int?
    /// Innermost HER-id under `MsgInfo/Receiver`.
    package var receiverHerId: Int?

    package init(
        msgId: String? = nil, messageType: String? = nil, genDate: String? = nil,
        senderHerId: Int? = nil, receiverHerId: Int? = nil
    ) {
        self.msgId = msgId
        self.messageType = messageType
        self.genDate = genDate
        self.senderHerId = senderHerId
        self.receiverHerId = receiverHerId
    }
}

/// What dropbridge reads from a standalone AppRec (1.0 or 1.1).
package struct AppRecInfo: Sendable, Equatable, Codable {
    package var id: String?
    /// `OriginalMsgId/Id`: the MsgId of the message this receipt answers.
    package var originalMsgId: String?
    /// `Status/@V`: 1 Ok, 2 Rejected, 3 OkErrorInMessagePart; anything else is kept as is.
    package var status: String?
    package var errorCodes: [String]

    package init(id: String? = nil, originalMsgId: String? = nil, status: String? = nil, errorCodes: [String] = []) {
        self.id = id
        self.originalMsgId = originalMsgId
        self.status = status
        self.errorCodes = errorCodes
    }
}

/// Known document kinds, told apart by root namespace and local name, never by prefix.
package enum KITHNamespace {
    package static let msgHead = "http://www.kith.no/xmlstds/msghead/2006-05-24"
    package static let appRec10 = "http://www.kith.no/xmlstds/apprec/2004-11-21"
    package static let appRec11 = "http://www.kith.no/xmlstds/apprec/2012-02-15"
    package static let dialog10 = "http://www.kith.no/xmlstds/dialog/2006-10-11"
    package static let dialog11 = "http://www.kith.no/xmlstds/dialog/2013-01-23"
    package static let xmldsig = "http://www.w3.org/2000/09/xmldsig#"
}
