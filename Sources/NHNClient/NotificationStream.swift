import AsyncHTTPClient
import Foundation
import NIOCore
import OpenAPIRuntime

/// What the notification stream delivers (docs/nhn-edi.md §3.4).
package enum NotificationStreamEvent: Sendable, Equatable {
    /// `event: connected`, first on every connection.
    case connected
    /// `event: notification` with one notification.
    case notification(NHNNotification)
    /// An event with neither name nor data, e.g. a lone `: heartbeat` comment followed by a blank
    /// line: the connection is alive. (Comment lines themselves are dropped by the decoder.)
    case heartbeat
}

/// Why the notification stream stopped early. The caller reconnects with `Offset` = the last
/// offset it processed.
package enum NotificationStreamError: Error, Sendable, Equatable {
    /// The connection broke or the bytes were not readable as events.
    case broken(reason: String)
    /// A `notification` event whose data is not a readable notification.
    case undecodableNotification(reason: String)
    /// One event grew past `limit` bytes: the stream is dropped (and reopened by the caller)
    /// before the decoder's buffers grow without bound.
    case eventTooLarge(limit: Int)
}

/// The body of `GET /notifications/stream` as events, decoded with OpenAPIRuntime's
/// Server-Sent Events decoder. Ends when the server ends the response; throws
/// `NotificationStreamError` on transport errors and unreadable notifications. Events of other
/// names are skipped.
///
/// There is no deadline on the body: a stream that stalls without closing is the caller's to
/// notice (e.g. no event or heartbeat for a while → cancel the iterating task and reconnect).
/// Iterate it once.
package struct NotificationStream: AsyncSequence, Sendable {
    package typealias Element = NotificationStreamEvent

    private let makeSource: @Sendable () -> any ServerSentEventSource

    /// Decodes events from any byte sequence (the HTTP body, or test bytes), at most
    /// `maxEventBytes` per event.
    init<Bytes: AsyncSequence & Sendable>(bytes: Bytes, maxEventBytes: Int = EventSizeLimit.defaultLimit)
    where Bytes.Element == ArraySlice<UInt8> {
        let events = SizeLimitedBytes(base: bytes, limit: maxEventBytes).asDecodedServerSentEvents()
        makeSource = { IteratorBox(events.makeAsyncIterator()) }
    }

    init(body: HTTPClientResponse.Body) {
        self.init(bytes: ResponseBytes(body: body))
    }

    package func makeAsyncIterator() -> AsyncIterator { AsyncIterator(source: makeSource()) }

    package struct AsyncIterator: AsyncIteratorProtocol {
        let source: any ServerSentEventSource

        package mutating func next() async throws -> NotificationStreamEvent? {
            while true {
                let event: ServerSentEvent?
                do {
                    event = try await source.next()
                } catch let tooLarge as NotificationStreamError {
                    throw tooLarge
                } catch {
                    throw NotificationStreamError.broken(reason: ProblemSummary.clip("\(error)", max: 200))
                }
                guard let event else { return nil }
                if let mapped = try Self.map(event) { return mapped }
            }
        }

        /// Nil for events this client does not know (skipped).
        static func map(_ event: ServerSentEvent) throws -> NotificationStreamEvent? {
            switch event.event {
            case "connected":
                return .connected
            case "notification":
                guard let data = event.data, !data.isEmpty else {
                    throw NotificationStreamError.undecodableNotification(reason: "the event had no data")
                }
                do {
                    return .notification(try JSONDecoder().decode(NHNNotification.self, from: Data(data.utf8)))
                } catch {
                    // Names the missing or mistyped field, never the data.
                    throw NotificationStreamError.undecodableNotification(
                        reason: ProblemSummary.clip("\(error)", max: 200))
                }
            case nil where event.data == nil && event.id == nil:
                return .heartbeat
            default:
                return nil
            }
        }
    }
}

/// The HTTP body as the byte slices the SSE decoder reads.
struct ResponseBytes: AsyncSequence, Sendable {
    typealias Element = ArraySlice<UInt8>
    let body: HTTPClientResponse.Body

    func makeAsyncIterator() -> Iterator { Iterator(base: body.makeAsyncIterator()) }

    struct Iterator: AsyncIteratorProtocol {
        var base: HTTPClientResponse.Body.AsyncIterator

        mutating func next() async throws -> ArraySlice<UInt8>? {
            guard let chunk = try await base.next() else { return nil }
            return ArraySlice(chunk.readableBytesView)
        }
    }
}

/// Type erasure for the decoder's iterator (its type spells out the whole decoding chain).
protocol ServerSentEventSource: AnyObject {
    func next() async throws -> ServerSentEvent?
}

final class IteratorBox<Base: AsyncIteratorProtocol>: ServerSentEventSource where Base.Element == ServerSentEvent {
    private var base: Base
    init(_ base: Base) { self.base = base }
    func next() async throws -> ServerSentEvent? { try await base.next() }
}
