/// Caps one Server-Sent Event at `limit` bytes before the bytes reach the decoder, whose line
/// and event buffers would otherwise grow with whatever a broken or hostile peer sends. Counts
/// the bytes of the current event (line terminators aside) and resets at the blank line that
/// ends it; CR, LF and CRLF all end a line (the SSE grammar).
struct EventSizeLimit: Sendable {
    static let defaultLimit = 1 << 20

    let limit: Int
    private var eventBytes = 0
    private var lineLength = 0
    private var afterCR = false

    init(limit: Int = Self.defaultLimit) {
        self.limit = limit
    }

    mutating func check(_ chunk: ArraySlice<UInt8>) throws(NotificationStreamError) {
        for byte in chunk {
            if byte == 0x0A, afterCR {
                afterCR = false
                continue  // the LF of a CRLF
            }
            afterCR = byte == 0x0D
            if byte == 0x0A || byte == 0x0D {
                if lineLength == 0 { eventBytes = 0 }  // a blank line: the event ended
                lineLength = 0
            } else {
                lineLength += 1
                eventBytes += 1
                if eventBytes > limit { throw .eventTooLarge(limit: limit) }
            }
        }
    }
}

/// The body's bytes, passed on only while each event stays within its `EventSizeLimit`.
struct SizeLimitedBytes<Base: AsyncSequence & Sendable>: AsyncSequence, Sendable where Base.Element == ArraySlice<UInt8> {
    typealias Element = ArraySlice<UInt8>
    let base: Base
    let limit: Int

    func makeAsyncIterator() -> Iterator { Iterator(base: base.makeAsyncIterator(), size: EventSizeLimit(limit: limit)) }

    struct Iterator: AsyncIteratorProtocol {
        var base: Base.AsyncIterator
        var size: EventSizeLimit

        mutating func next() async throws -> ArraySlice<UInt8>? {
            guard let chunk = try await base.next() else { return nil }
            try size.check(chunk)
            return chunk
        }
    }
}
