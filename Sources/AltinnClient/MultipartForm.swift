import Foundation
import NIOCore
import NIOPosix

/// A `multipart/form-data` body of text fields and one file part, streamed: the fields and the
/// part headers are built in memory (small), the file is read from disk in chunks while the
/// request is written, so a large document is never held whole for the upload.
package struct MultipartForm: Sendable {
    package enum FileSource: Sendable {
        /// A file on disk (the claimed document as dropped), of `size` bytes.
        case file(path: String, size: Int)
        /// Bytes already in memory (an inflated `.xml.gz`, bounded by `outbox.maxBytes`).
        case bytes([UInt8])

        var size: Int {
            switch self {
            case .file(_, let size): size
            case .bytes(let bytes): bytes.count
            }
        }
    }

    package let boundary: String
    let head: [UInt8]
    let file: FileSource
    let tail: [UInt8]

    package var contentType: String { "multipart/form-data; boundary=\(boundary)" }
    package var length: Int { head.count + file.size + tail.count }

    package init(
        fields: [(name: String, value: String)], fileField: String, fileName: String, fileType: String, file: FileSource,
        boundary: String = "dropbridge-" + UUID().uuidString.lowercased()
    ) {
        self.boundary = boundary
        var head: [UInt8] = []
        for field in fields {
            head += Array("--\(boundary)\r\nContent-Disposition: form-data; name=\"\(Self.quoted(field.name))\"\r\n\r\n".utf8)
            head += Array(field.value.utf8) + Array("\r\n".utf8)
        }
        var disposition = "form-data; name=\"\(Self.quoted(fileField))\"; filename=\"\(Self.quoted(fileName))\""
        if !fileName.allSatisfy(\.isASCII) {
            disposition += "; filename*=UTF-8''" + Self.extendedValue(fileName)
        }
        head += Array("--\(boundary)\r\nContent-Disposition: \(disposition)\r\nContent-Type: \(fileType)\r\n\r\n".utf8)
        self.head = head
        self.file = file
        tail = Array("\r\n--\(boundary)--\r\n".utf8)
    }

    /// RFC 5987 `value-chars`: the UTF-8 bytes, every one outside `attr-char` percent-encoded.
    /// (`CharacterSet.alphanumerics` would let `ø` through unencoded: it is a Unicode letter.)
    package static func extendedValue(_ text: String) -> String {
        let attrChars = Set("!#$&+-.^_`|~".utf8)
        var result = ""
        for byte in text.utf8 {
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || attrChars.contains(byte) {
                result.append(Character(Unicode.Scalar(byte)))
            } else {
                result += String(format: "%%%02X", byte)
            }
        }
        return result
    }

    /// Quotes and CR/LF in a name would end the header; HTML's form encoding escapes them so.
    static func quoted(_ text: String) -> String {
        text.replacingOccurrences(of: "\"", with: "%22").replacingOccurrences(of: "\r", with: "%0D")
            .replacingOccurrences(of: "\n", with: "%0A")
    }

    /// A fresh pass over the body (a retried request reads the file again).
    package func chunks(chunkSize: Int = 256 * 1024) -> Chunks { Chunks(form: self, chunkSize: chunkSize) }

    package struct Chunks: AsyncSequence, Sendable {
        package typealias Element = ByteBuffer
        let form: MultipartForm
        let chunkSize: Int

        package func makeAsyncIterator() -> Iterator { Iterator(form: form, chunkSize: chunkSize) }

        package struct Iterator: AsyncIteratorProtocol {
            let form: MultipartForm
            let chunkSize: Int
            var step = 0
            var offset = 0
            var reader: FileChunkReader?

            package mutating func next() async throws -> ByteBuffer? {
                while true {
                    switch step {
                    case 0:
                        step = 1
                        return ByteBuffer(bytes: form.head)
                    case 1:
                        switch form.file {
                        case .bytes(let bytes):
                            guard offset < bytes.count else {
                                step = 2
                                continue
                            }
                            let end = Swift.min(bytes.count, offset + chunkSize)
                            defer { offset = end }
                            return ByteBuffer(bytes: bytes[offset..<end])
                        case .file(let path, let size):
                            if reader == nil { reader = try FileChunkReader(path: path) }
                            guard offset < size, let chunk = try await reader?.read(max: Swift.min(chunkSize, size - offset)), !chunk.isEmpty
                            else {
                                // A file that shrank under us must not make a short body with the promised length.
                                if offset < size { throw MultipartError.fileChanged(path: path) }
                                reader?.close()
                                reader = nil
                                step = 2
                                continue
                            }
                            offset += chunk.count
                            return ByteBuffer(bytes: chunk)
                        }
                    case 2:
                        step = 3
                        return ByteBuffer(bytes: form.tail)
                    default:
                        reader?.close()
                        return nil
                    }
                }
            }
        }
    }
}

package enum MultipartError: Error, CustomStringConvertible {
    case fileChanged(path: String)
    case unreadable(path: String, errno: Int32)

    package var description: String {
        switch self {
        case .fileChanged: "the claimed document became shorter while it was being sent"
        case .unreadable(_, let errno): "the claimed document could not be read (\(String(cString: strerror(errno))))"
        }
    }
}

/// Reads a file in chunks on NIO's blocking thread pool, never on the cooperative pool.
final class FileChunkReader: @unchecked Sendable {
    // Only the iterator that owns it touches it, one call at a time.
    private var fd: Int32

    init(path: String) throws {
        fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        if fd < 0 { throw MultipartError.unreadable(path: path, errno: errno) }
    }

    func read(max: Int) async throws -> [UInt8] {
        let fd = self.fd
        return try await NIOThreadPool.singleton.runIfActive {
            var buffer = [UInt8](repeating: 0, count: max)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, max) }
                if n >= 0 { return Array(buffer.prefix(n)) }
                if errno != EINTR { throw MultipartError.unreadable(path: "", errno: errno) }
            }
        }
    }

    func close() {
        if fd >= 0 { _ = Glibc.close(fd) }
        fd = -1
    }

    deinit { close() }
}
