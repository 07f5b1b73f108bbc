/// One notification from `GET /notifications` or the stream (docs/nhn-edi.md §3.3).
///
/// Decoded leniently: unknown fields are ignored, the id may be `id` or `notificationId`, and
/// unknown `type`s are kept as they are. Only `type` and `offset` are required.
package struct NHNNotification: Sendable, Equatable, Decodable {
    /// From `id` or `notificationId` (sources disagree; docs/nhn-edi.md §3.3).
    package var id: String?
    /// The message to fetch with `/messages/{id}/…`; missing for some types.
    package var relatedMessageId: String?
    /// `NewMessage`, `RefusedMessage`, `MessageSentStateUpdated`, `MessageDeliveryStateUpdated`,
    /// `MessageApprecInfoUpdated`, or a type this version does not know.
    package var type: String
    package var notificationReceiverHerId: Int?
    package var notificationTriggeredByHerId: Int?
    package var description: String?
    /// As NHN sent it.
    package var createdAt: String?
    /// The cursor position; global across clients, so the offsets one client sees have gaps.
    package var offset: Int64

    package init(
        id: String? = nil, relatedMessageId: String? = nil, type: String, notificationReceiverHerId: Int? = nil,
        notificationTriggeredByHerId: Int? = nil, description: String? = nil, createdAt: String? = nil, offset: Int64
    ) {
        self.id = id
        self.relatedMessageId = relatedMessageId
        self.type = type
        self.notificationReceiverHerId = notificationReceiverHerId
        self.notificationTriggeredByHerId = notificationTriggeredByHerId
        self.description = description
        self.createdAt = createdAt
        self.offset = offset
    }

    package init(from decoder: any Decoder) throws {
        let json = try decoder.container(keyedBy: AnyKey.self)
        guard let type = json.lenientString(AnyKey("type")), !type.isEmpty else {
            throw DecodingError.keyNotFound(
                AnyKey("type"), .init(codingPath: decoder.codingPath, debugDescription: "A notification needs a type."))
        }
        guard let offset = json.lenientInt64(AnyKey("offset")) else {
            throw DecodingError.keyNotFound(
                AnyKey("offset"),
                .init(codingPath: decoder.codingPath, debugDescription: "A notification needs a numeric offset."))
        }
        self.type = type
        self.offset = offset
        id = json.lenientString(AnyKey("id")) ?? json.lenientString(AnyKey("notificationId"))
        relatedMessageId = json.lenientString(AnyKey("relatedMessageId"))
        notificationReceiverHerId = json.lenientInt(AnyKey("notificationReceiverHerId"))
        notificationTriggeredByHerId = json.lenientInt(AnyKey("notificationTriggeredByHerId"))
        description = json.lenientString(AnyKey("description"))
        createdAt = json.lenientString(AnyKey("createdAt"))
    }
}
