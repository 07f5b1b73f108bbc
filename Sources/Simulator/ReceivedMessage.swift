#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One business document the simulator accepted with `POST /messages`.
package struct ReceivedMessage: Sendable, Codable, Equatable {
    /// The shipment id we answered with (lowercase UUID).
    package var id: String
    package var senderHerId: Int
    package var receiverHerIds: [Int]
    package var messageTypeIdentificator: String
    /// `MsgHead/MsgInfo/MsgId` (or the AppRec `Id`) when the document has one.
    package var msgId: String?
    /// The decoded business document.
    package var document: String
    /// The `nhn-source-system` header.
    package var sourceSystem: String
    package var applicationName: String
    package var applicationVersion: String
    package var receivedAt: Date

    package init(
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
