import DropbridgeCore
import NIOCore

/// Builds the `POST /messages` JSON body in one pre-sized buffer: every small field first, then
/// `businessDocument` last, its base64 written straight into the buffer. Peak memory is the
/// document plus about 4/3 of it, with no intermediate copies.
enum MessageBodyEncoder {
    static func encode(
        _ message: OutgoingMessage, applicationName: String, applicationVersion: String,
        allocator: ByteBufferAllocator = ByteBufferAllocator()
    ) -> ByteBuffer {
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
        let prefix = head.bytes + [UInt8(ascii: "\"")]
        let suffix: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "}")]

        let size = prefix.count + Base64Writer.encodedLength(of: message.document.count) + suffix.count
        var buffer = allocator.buffer(capacity: size)
        buffer.writeBytes(prefix)
        Base64Writer.write(message.document, into: &buffer)
        buffer.writeBytes(suffix)
        return buffer
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
