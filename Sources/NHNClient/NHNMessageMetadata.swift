/// `GET /messages/{id}` (docs/nhn-edi.md §3.5). Everything but `id` may be missing.
package struct NHNMessageMetadata: Sendable, Equatable, Decodable {
    package var id: String
    package var senderHerId: Int?
    package var receiverHerIds: [Int]?
    /// The document's `MsgId` (or the AppRec's `Id`).
    package var businessDocumentId: String?
    /// As sent; may lack a UTC offset (then it is Europe/Oslo local time).
    package var businessDocumentGenDate: String?
    /// e.g. `DIALOG_HELSEFAGLIG`.
    package var businessDocumentMsgType: String?
    package var contentType: String?

    package init(
        id: String, senderHerId: Int? = nil, receiverHerIds: [Int]? = nil, businessDocumentId: String? = nil,
        businessDocumentGenDate: String? = nil, businessDocumentMsgType: String? = nil, contentType: String? = nil
    ) {
        self.id = id
        self.senderHerId = senderHerId
        self.receiverHerIds = receiverHerIds
        self.businessDocumentId = businessDocumentId
        self.businessDocumentGenDate = businessDocumentGenDate
        self.businessDocumentMsgType = businessDocumentMsgType
        self.contentType = contentType
    }

    package init(from decoder: any Decoder) throws {
        let json = try decoder.container(keyedBy: AnyKey.self)
        guard let id = json.lenientString(AnyKey("id")), !id.isEmpty else {
            throw DecodingError.keyNotFound(
                AnyKey("id"), .init(codingPath: decoder.codingPath, debugDescription: "Message metadata needs an id."))
        }
        self.id = id
        senderHerId = json.lenientInt(AnyKey("senderHerId"))
        receiverHerIds = json.lenientIntArray(AnyKey("receiverHerIds"))
        businessDocumentId = json.lenientString(AnyKey("businessDocumentId"))
        businessDocumentGenDate = json.lenientString(AnyKey("businessDocumentGenDate"))
        businessDocumentMsgType = json.lenientString(AnyKey("businessDocumentMsgType"))
        contentType = json.lenientString(AnyKey("contentType"))
    }
}
