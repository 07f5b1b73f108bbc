import DropbridgeCore

/// A business document to send with `POST /messages` (docs/nhn-edi.md §3.2).
package struct OutgoingMessage: Sendable {
    /// Innermost HER-Id of the MsgHead sender.
    package var senderHerId: Int
    /// At least one.
    package var receiverHerIds: [Int]
    /// The raw UTF-8 XML (whole MsgHead, or a standalone AppRec), in memory or the claimed file;
    /// base64 is applied while the request is written.
    package var document: BusinessDocument
    /// FinnKode 8279 value, `MsgInfo/Type/@V`, e.g. `DIALOG_HELSEFAGLIG`.
    package var messageTypeIdentificator: String
    package var transportMetadataOverrides: TransportMetadataOverrides?

    package init(
        senderHerId: Int, receiverHerIds: [Int], document: [UInt8], messageTypeIdentificator: String,
        transportMetadataOverrides: TransportMetadataOverrides? = nil
    ) {
        self.init(
            senderHerId: senderHerId, receiverHerIds: receiverHerIds, document: .memory(document),
            messageTypeIdentificator: messageTypeIdentificator, transportMetadataOverrides: transportMetadataOverrides)
    }

    package init(
        senderHerId: Int, receiverHerIds: [Int], document: BusinessDocument, messageTypeIdentificator: String,
        transportMetadataOverrides: TransportMetadataOverrides? = nil
    ) {
        self.senderHerId = senderHerId
        self.receiverHerIds = receiverHerIds
        self.document = document
        self.messageTypeIdentificator = messageTypeIdentificator
        self.transportMetadataOverrides = transportMetadataOverrides
    }
}
