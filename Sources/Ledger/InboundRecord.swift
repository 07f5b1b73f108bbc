import GRDB

/// One message received from NHN. The row is written once the inbox files are durable and
/// before NHN is told the message was downloaded; `downloadedAt` once NHN confirmed that.
/// A message therefore yields one inbox pair however often its notification arrives.
package struct InboundRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    package static let databaseTableName = "inbound"

    /// NHN's message id (the `relatedMessageId` of the `NewMessage` notification).
    package var messageId: String
    package var receiverHerId: Int
    package var senderHerId: Int?
    package var msgId: String?
    package var messageType: String?
    /// `business` (to inbox/) or `apprec` (to receipts/).
    package var kind: String
    /// The file written, relative to its folder.
    package var fileName: String
    package var valid: Bool
    package var receivedAt: Double
    package var downloadedAt: Double?
    /// When our automatic AppRec for it was accepted (`nhn.autoAppRec`).
    package var appRecSentAt: Double?

    package init(
        messageId: String, receiverHerId: Int, senderHerId: Int?, msgId: String?, messageType: String?,
        kind: String, fileName: String, valid: Bool, receivedAt: Double
    ) {
        self.messageId = messageId
        self.receiverHerId = receiverHerId
        self.senderHerId = senderHerId
        self.msgId = msgId
        self.messageType = messageType
        self.kind = kind
        self.fileName = fileName
        self.valid = valid
        self.receivedAt = receivedAt
    }
}
