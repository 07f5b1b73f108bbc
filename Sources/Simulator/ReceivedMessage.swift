#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One business document the simulator accepted with `POST /messages`.
public struct ReceivedMessage: Sendable, Codable, Equatable {
    /// The shipment id we answered with (lowercase UUID).
    public var id: String
    public var senderHerId: Int
    public var receiverHerIds: [Int]
    public var messageTypeIdentificator: String
    /// `MsgHead/MsgInfo/MsgId` (or the AppRec `Id`) when the document has one.
    public var msgId: String?
    /// The decoded business document.
    public var document: String
    /// The `nhn-source-system` header.
    public var sourceSystem: String
    public var applicationName: String
    public var applicationVersion: String
    public var receivedAt: Date

    public init(
        id: String, senderHerId: Int, receiverHerIds: [Int], messageTypeIdentificator: String, msgId: String?,
        document: String, sourceSystem: String, applicationName: String, applicationVersion: String,
        receivedAt: Date
    ) {
        self.id = id
        self.senderHerId = senderHerId
        self.receiverHerIds = receiverHerIds
        self.messageTypeIdentificator = messageTypeIdentificator
        self.msgId = msgId
        self.document = document
        self.sourceSystem = sourceSystem
        self.applicationName = applicationName
        self.applicationVersion = applicationVersion
        self.receivedAt = receivedAt
    }
}
