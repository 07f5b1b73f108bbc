import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A small HTTP/1.1 server on 127.0.0.1 for client tests: answers requests from a script, in
/// order (nil: never answer), writing each reply's body as separately flushed chunks, and
/// records what it received.
final class ScriptedResponder: Sendable {
    struct Reply: Sendable {
        var status: Int
        var headers: [(String, String)] = [("Content-Type", "application/json")]
        var chunks: [String] = []
        /// Chunked transfer encoding (no Content-Length), as a stream is sent.
        var streamed = false
        /// Send the head and part of the body, then stall.
        var stallsInBody = false

        init(
            status: Int, headers: [(String, String)] = [("Content-Type", "application/json")], chunks: [String] = [],
            streamed: Bool = false
        ) {
            self.status = status
            self.headers = headers
            self.chunks = chunks
            self.streamed = streamed
        }

        init(status: Int, headers: [(String, String)] = [("Content-Type", "application/json")], body: String, stallsInBody: Bool = false) {
            self.init(status: status, headers: headers, chunks: [body])
            self.stallsInBody = stallsInBody
        }
    }

    struct Received: Sendable {
        var method: String
        var uri: String
        var headers: [(String, String)]
        var body: [UInt8]

        func header(_ name: String) -> String? { headers.first { $0.0.lowercased() == name.lowercased() }?.1 }
        var json: [String: Any]? { try? JSONSerialization.jsonObject(with: Data(body)) as? [String: Any] }
    }

    private struct State {
        var replies: [Reply?]
        var received: [Received] = []
    }

    private let state: Mutex<State>
    private let channel: Mutex<(any Channel)?> = Mutex(nil)

    init(replies: [Reply?]) { state = Mutex(State(replies: replies)) }

    var received: [Received] { state.withLock { $0.received } }

    /// Starts listening and returns the base URL.
    func start() async throws -> String {
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(Handler(responder: self))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        channel.withLock { $0 = server }
        return "http://127.0.0.1:\(server.localAddress?.port ?? 0)"
    }

    func stop() async {
        let server = channel.withLock { $0 }
        try? await server?.close()
    }

    fileprivate func record(_ request: Received) -> Reply? {
        state.withLock { state in
            state.received.append(request)
            return state.replies.isEmpty ? Reply(status: 599) : state.replies.removeFirst()
        }
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart
        let responder: ScriptedResponder
        var head: HTTPRequestHead?
        var body: [UInt8] = []

        init(responder: ScriptedResponder) { self.responder = responder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let head):
                self.head = head
                body = []
            case .body(let chunk):
                body.append(contentsOf: chunk.readableBytesView)
            case .end:
                guard let head else { return }
                let received = Received(
                    method: head.method.rawValue, uri: head.uri, headers: head.headers.map { ($0.name, $0.value) },
                    body: body)
                guard let reply = responder.record(received) else { return }  // never answers
                var headers = HTTPHeaders(reply.headers)
                if !reply.streamed {
                    let length = reply.chunks.reduce(0) { $0 + $1.utf8.count } + (reply.stallsInBody ? 100 : 0)
                    headers.replaceOrAdd(name: "Content-Length", value: "\(length)")
                }
                context.writeAndFlush(
                    wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: reply.status), headers: headers))),
                    promise: nil)
                for chunk in reply.chunks {
                    context.writeAndFlush(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: chunk)))), promise: nil)
                }
                if reply.stallsInBody { return }
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
