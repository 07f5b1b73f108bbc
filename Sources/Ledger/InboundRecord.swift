import GRDB

/// One message received from NHN. The row is written once the inbox files are durable and
/// before NHN is told the message was downloaded; `downloadedAt` once NHN confirmed that.
/// A message therefore yields one inbox pair however often its notification arrives.
public struct InboundRecord: Codable, Sendable, Equatable, FetchableRecord, PersistableRecord {
    public static let databaseTableName = "inbound"

    /// NHN's message id (the `relatedMessageId` of the `NewMessage` notification).
    public var messageId: String
    public var receiverHerId: Int
    public var senderHerId: Int?
    public var msgId: String?
    public var messageType: String?
    /// `business` (to inbox/) or `apprec` (to receipts/).
    public var kind: String
    /// The file written, relative to its folder.
    public var fileName: String
    public var valid: Bool
    public var receivedAt: Double
    public var downloadedAt: Double?
    /// When our automatic AppRec for it was accepted (`nhn.autoAppRec`).
    public var appRecSentAt: Double?

    public init(
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
