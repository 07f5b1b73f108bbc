import DropbridgeCore

/// Builds the `POST /messages` JSON body: every small field first, then `businessDocument`
/// last, whose base64 is streamed (`MessageBody`). Only the small head is held in memory.
enum MessageBodyEncoder {
    static func body(_ message: OutgoingMessage, applicationName: String, applicationVersion: String) -> MessageBody {
        var head = JSONObjectWriter()
        head.field("senderHerId", message.senderHerId)
        head.field("receiverHerIds", message.receiverHerIds)
        head.field("messageTypeIdentificator", message.messageTypeIdentificator)
        head.field("applicationName", applicationName)
        head.field("applicationVersion", applicationVersion)
        head.field("contentType", "application/xml")
        head.field("contentTransferEncoding", "base64")
        if let overrides = message.transportMetadataOverrides.map(overridesObject), !overrides.isEmpty {
            head.field("transportMetadataOverrides", object: overrides)
        }
        head.key("businessDocument")
        return MessageBody(prefix: head.bytes + [UInt8(ascii: "\"")], document: message.document)
    }

    /// Only the overrides that are set; nil keys are left out, not sent as `null`.
    static func overridesObject(_ overrides: TransportMetadataOverrides) -> JSONObjectWriter {
        var object = JSONObjectWriter()
        let strings: [(String, String?)] = [
            ("cpaId", overrides.cpaId), ("conversationId", overrides.conversationId),
            ("service", overrides.service), ("serviceType", overrides.serviceType),
            ("senderRole", overrides.senderRole), ("receiverRole", overrides.receiverRole),
            ("action", overrides.action), ("middlewareName", overrides.middlewareName),
            ("middlewareVersion", overrides.middlewareVersion),
        ]
        for (name, value) in strings {
            if let value { object.field(name, value) }
        }
        if let compress = overrides.compressPayload { object.field("compressPayload", compress) }
        return object
    }
}
