import Crypto
import Foundation

/// RFC 9562 name-based UUIDs (version 5, SHA-1): the same namespace and name give the same key.
package enum UUIDv5 {
    package static func make(namespace: UUID, name: String) -> UUID {
        var data = withUnsafeBytes(of: namespace.uuid) { Array($0) }
        data.append(contentsOf: Array(name.utf8))
        var bytes = Array(Insecure.SHA1.hash(data: data).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// An Altinn drop's key for one recipient: the installation's private namespace, the
    /// document's content hash, the hash of what the correspondence says (`CorrespondenceUpload.contentFields`:
    /// title, body, notification, …, not the recipients nor the attachment's name), the resource
    /// and the recipient. A
    /// retried drop (same document, same letter) finds the correspondences it already made
    /// instead of making them again; the same document sent as another letter (another title or
    /// body) is a new correspondence, not taken for the earlier one.
    package static func idempotentKey(
        namespace: UUID, contentHash: String, correspondenceHash: String, resourceId: String, recipientURN: String
    ) -> String {
        make(namespace: namespace, name: "dropbridge/altinn/v2\n\(contentHash)\n\(correspondenceHash)\n\(resourceId)\n\(recipientURN)")
            .uuidString.lowercased()
    }

    /// SHA-256 (hex) of the form fields every recipient's correspondence shares, each name and
    /// value length-prefixed so no two lists encode alike.
    package static func correspondenceHash(_ fields: [(name: String, value: String)]) -> String {
        var hasher = SHA256()
        for field in fields {
            for text in [field.name, field.value] {
                hasher.update(data: Array("\(text.utf8.count):".utf8))
                hasher.update(data: Array(text.utf8))
            }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
