import Glibc

/// Where the bytes of `businessDocument` come from when `POST /messages` is written: read (and
/// base64-encoded) chunk by chunk as the HTTP client asks for them, never held whole as base64.
package enum BusinessDocument: Sendable, Equatable {
    /// Bytes already in memory: an inflated `.xml.gz`, a document re-encoded as UTF-8.
    case memory([UInt8])
    /// The claimed document on disk, sent as it was checked.
    case file(ClaimedDocumentFile)

    /// The bytes sent (before base64).
    package var count: Int {
        switch self {
        case .memory(let bytes): bytes.count
        case .file(let file): file.prefix.count + file.size - file.skip
        }
    }
}

/// A claimed document file as the check saw it. The file lies in the bridge's own claim
/// directory, where nothing but the bridge writes; to be sure that what is sent is what was
/// checked anyway, the whole file is hashed again while it is sent and the body ends before
/// its last byte if the hash or the size differ (an incomplete body cannot be accepted).
package struct ClaimedDocumentFile: Sendable, Equatable {
    package var path: String
    /// The file's size when checked (every byte of it is hashed).
    package var size: Int
    /// Leading bytes that are not sent: 3 for a UTF-8 byte-order mark (and those `prefix`
    /// stands for), else 0.
    package var skip: Int
    /// SHA-256 of the whole file when checked.
    package var sha256: [UInt8]
    /// Bytes sent before the file's own from `skip`: a UTF-8 declaration the file lacks.
    package var prefix: [UInt8]

    package init(path: String, size: Int, skip: Int = 0, sha256: [UInt8], prefix: [UInt8] = []) {
        self.path = path
        self.size = size
        self.skip = skip
        self.sha256 = sha256
        self.prefix = prefix
    }
}

/// Why a `POST /messages` body ended early. Thrown from the body while it is written, always
/// before its last byte, so the server never has a complete request: it cannot have been
/// processed, and sending it again cannot duplicate it.
package enum MessageBodyError: Error, CustomStringConvertible, Equatable {
    /// The claimed document is not the file that was checked (other size or other bytes).
    case documentChanged
    case unreadable(errno: Int32)

    package var description: String {
        switch self {
        case .documentChanged: "the claimed document changed after it was checked; it is checked again before the next attempt"
        case .unreadable(let errno): "the claimed document could not be read (\(String(cString: strerror(errno))))"
        }
    }
}
