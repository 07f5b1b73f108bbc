import AsyncHTTPClient
import Crypto
import Glibc
import NIOCore
import NIOPosix

/// The `POST /messages` body as a stream: the JSON head, the document's base64 encoded chunk by
/// chunk as the HTTP client asks for bytes, then `"}`. Its length is known before anything is
/// read (from the document's size), so the request carries a `Content-Length` and NHN's
/// 35 MB request limit applies to it before the body is sent. Each `chunks()` is a fresh pass:
/// a retried request reads the file again.
struct MessageBody: Sendable {
    /// `{…,"businessDocument":"`
    let prefix: [UInt8]
    let document: BusinessDocument
    static let suffix: [UInt8] = [UInt8(ascii: "\""), UInt8(ascii: "}")]
    /// Raw document bytes read per chunk: 256 KiB in, 341 KiB of base64 out.
    static let defaultChunkBytes = 256 * 1024

    var length: Int { prefix.count + Base64Writer.encodedLength(of: document.count) + Self.suffix.count }

    var requestBody: HTTPClientRequest.Body { .stream(chunks(), length: .known(Int64(length))) }

    func chunks(rawBytesPerChunk: Int = defaultChunkBytes) -> Chunks {
        Chunks(body: self, rawBytesPerChunk: max(1, rawBytesPerChunk))
    }

    struct Chunks: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        let body: MessageBody
        let rawBytesPerChunk: Int

        func makeAsyncIterator() -> Iterator { Iterator(body: body, rawBytesPerChunk: rawBytesPerChunk) }

        struct Iterator: AsyncIteratorProtocol {
            private enum Step { case prefix, document, suffix, done }
            let body: MessageBody
            let rawBytesPerChunk: Int
            private var step = Step.prefix
            private var offset = 0
            private var reader: DocumentFileReader?
            private var memoryEncoder = Base64StreamEncoder()

            init(body: MessageBody, rawBytesPerChunk: Int) {
                self.body = body
                self.rawBytesPerChunk = rawBytesPerChunk
            }

            mutating func next() async throws -> ByteBuffer? {
                while true {
                    switch step {
                    case .prefix:
                        step = .document
                        return ByteBuffer(bytes: body.prefix)
                    case .document:
                        guard let chunk = try await nextDocumentChunk() else {
                            step = .suffix
                            continue
                        }
                        if chunk.readableBytes > 0 { return chunk }
                    case .suffix:
                        step = .done
                        return ByteBuffer(bytes: MessageBody.suffix)
                    case .done:
                        return nil
                    }
                }
            }

            /// The next piece of the document's base64; nil once all of it was returned.
            private mutating func nextDocumentChunk() async throws -> ByteBuffer? {
                switch body.document {
                case .memory(let bytes):
                    guard offset < bytes.count else { return nil }
                    let end = Swift.min(bytes.count, offset + rawBytesPerChunk)
                    defer { offset = end }
                    var buffer = ByteBuffer()
                    buffer.reserveCapacity(Base64Writer.encodedLength(of: end - offset + 2))
                    bytes.withUnsafeBytes { all in
                        memoryEncoder.append(UnsafeRawBufferPointer(rebasing: all[offset..<end]), into: &buffer)
                        if end == bytes.count { memoryEncoder.finish(into: &buffer) }
                    }
                    return buffer
                case .file(let file):
                    if reader == nil { reader = try DocumentFileReader(file) }
                    guard let reader else { return nil }
                    let rawBytes = rawBytesPerChunk
                    // Blocking reads run on NIO's thread pool, never on the cooperative pool.
                    return try await NIOThreadPool.singleton.runIfActive { try reader.nextChunk(rawBytes: rawBytes) }
                }
            }
        }
    }
}

/// Reads a claimed document for one pass of the body: hashes every byte, encodes all but the
/// skipped ones, and at the end of the file throws `documentChanged` unless size and hash are
/// those checked. That check comes before the body's last bytes are handed out.
final class DocumentFileReader: @unchecked Sendable {
    // Used by one iterator, one call at a time (each awaited before the next).
    private let file: ClaimedDocumentFile
    private var fd: Int32
    private var hasher = SHA256()
    private var encoder = Base64StreamEncoder()
    private var read = 0
    private var finished = false

    init(_ file: ClaimedDocumentFile) throws {
        self.file = file
        fd = open(file.path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        if fd < 0 { throw MessageBodyError.unreadable(errno: errno) }
    }

    deinit { if fd >= 0 { close(fd) } }

    /// The next chunk of base64, nil after the last one. Reads up to `rawBytes` bytes.
    func nextChunk(rawBytes: Int) throws -> ByteBuffer? {
        guard !finished else { return nil }
        var input = [UInt8](repeating: 0, count: rawBytes)
        let count = try input.withUnsafeMutableBytes { try readSome(into: $0) }
        var output = ByteBuffer()
        output.reserveCapacity(Base64Writer.encodedLength(of: count + file.prefix.count) + 4)
        if read == 0, !file.prefix.isEmpty {
            file.prefix.withUnsafeBytes { encoder.append($0, into: &output) }
        }
        if count > 0 {
            input.withUnsafeBytes { bytes in
                let got = UnsafeRawBufferPointer(rebasing: bytes[..<count])
                hasher.update(bufferPointer: got)
                // Bytes before `skip` (a BOM) are hashed but not sent.
                let firstSent = max(0, file.skip - read)
                if firstSent < count {
                    encoder.append(UnsafeRawBufferPointer(rebasing: got[firstSent...]), into: &output)
                }
            }
            read += count
            guard read <= file.size else { throw MessageBodyError.documentChanged }
            return output
        }
        finished = true
        close(fd)
        fd = -1
        guard read == file.size, Array(hasher.finalize()) == file.sha256 else { throw MessageBodyError.documentChanged }
        encoder.finish(into: &output)
        return output
    }

    private func readSome(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 { return n }
            if errno != EINTR { throw MessageBodyError.unreadable(errno: errno) }
        }
    }
}
