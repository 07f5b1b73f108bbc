import NIOCore
import NIOHTTP1

/// Called with a 2xx answer's `Content-Length` (nil when it has none) before its body is read;
/// it may wait (for room in a memory budget) or throw to give the answer up.
package typealias BodyAdmission = @Sendable (_ announcedBytes: Int?) async throws -> Void

/// One call to the API, before the common headers and authorization are added.
struct NHNRequest: Sendable {
    var method: HTTPMethod
    /// Path below the base URL, e.g. `/messages`.
    var path: String
    /// Query items in order; lists repeat the name (`HerIds=1&HerIds=2`).
    var query: [(name: String, value: String)] = []
    /// JSON body, sent with `Content-Type: application/json`.
    var body: ByteBuffer?
    /// A JSON body written as a stream (with its length), read afresh for each exchange.
    var streamedBody: MessageBody?
    var accept = "application/json"
    /// The most of the answer's body kept in memory; longer bodies are cut and flagged.
    var responseLimit = NHNClient.maxResponseBodyBytes
    /// Told the announced length of a 2xx answer before its body is read (and may wait, e.g. for
    /// memory): the body stays unread meanwhile.
    var admitBody: BodyAdmission?

    /// `GET /messages`-style label for logs and reasons (no query: it may hold HER-Ids only, but
    /// keep reasons short).
    var label: String { "\(method.rawValue) \(path)" }

    /// The label with a message id replaced by `{id}`, for metrics (one series per route, not
    /// per message).
    var route: String {
        var segments = path.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        if segments.count > 2, segments[1] == "messages" { segments[2] = "{id}" }
        return "\(method.rawValue) \(segments.joined(separator: "/"))"
    }

    /// `/messages/{id}` plus an optional suffix such as `/status`, with the id percent-encoded
    /// as one path segment (a `/` or `?` in an id cannot change which resource is called).
    static func messagePath(_ id: String, _ suffix: String = "") -> String {
        "/messages/" + percentEncoded(id) + suffix
    }

    var queryString: String {
        guard !query.isEmpty else { return "" }
        return "?" + query.map { "\(Self.percentEncoded($0.name))=\(Self.percentEncoded($0.value))" }
            .joined(separator: "&")
    }

    /// Percent-encodes everything but RFC 3986 unreserved characters.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = Array("0123456789ABCDEF".utf8)
                out.unicodeScalars.append("%")
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte >> 4)]))
                out.unicodeScalars.append(Unicode.Scalar(hex[Int(byte & 0x0F)]))
            }
        }
        return out
    }
}

/// What came back: status, headers and at most `NHNClient.maxResponseBodyBytes` of the body.
struct NHNResponse: Sendable {
    var status: Int
    var headers: HTTPHeaders
    var body: [UInt8]
    /// The body was longer than the bound and was cut.
    var bodyTruncated = false

    var isSuccess: Bool { (200..<300).contains(status) }
}
