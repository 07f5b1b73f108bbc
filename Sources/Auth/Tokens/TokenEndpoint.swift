import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// One OAuth token service (HelseID, Maskinporten) or token exchange (Altinn): sends a request,
/// reads a bounded answer, and tells credential refusals from passing trouble.
struct TokenEndpoint: Sendable {
    /// For messages: "HelseID", "Maskinporten", "Altinn".
    let service: String
    let url: String
    let httpClient: HTTPClient
    let timeout: TimeAmount

    struct Reply: Sendable {
        var status: Int
        var headers: HTTPHeaders
        var body: [UInt8]

        /// The OAuth `error` and `error_description` (RFC 6749 §5.2), when the body has them.
        var oauthError: (code: String, description: String?)? {
            guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any],
                let code = object["error"] as? String
            else { return nil }
            return (code, object["error_description"] as? String)
        }
    }

    /// A form-encoded POST (the token request).
    func post(form: [(String, String)], headers: [(String, String)] = []) async throws(AuthorizationError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Accept", value: "application/json")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(string: FormEncoding.encode(form)))
        return try await send(request)
    }

    /// A GET with extra headers (the Altinn exchange).
    func get(headers: [(String, String)]) async throws(AuthorizationError) -> Reply {
        var request = HTTPClientRequest(url: url)
        request.method = .GET
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await send(request)
    }

    private func send(_ request: HTTPClientRequest) async throws(AuthorizationError) -> Reply {
        do {
            let response = try await httpClient.execute(request, timeout: timeout)
            // Token answers are small; anything larger is not a token answer.
            let body = try await response.body.collect(upTo: 256 * 1024)
            return Reply(status: Int(response.status.code), headers: response.headers, body: Array(buffer: body))
        } catch {
            throw .unavailable("\(service) token service at \(url) could not be reached: \(Self.describe(error))")
        }
    }

    /// Turns a non-success answer into the error the caller acts on: credentials refused
    /// (an operator must fix the set-up) or unavailable (try again later).
    func failure(_ reply: Reply) -> AuthorizationError {
        var detail = "HTTP \(reply.status)"
        if let error = reply.oauthError {
            detail += ", \(error.code)"
            if let description = error.description { detail += ": \(Self.clip(description))" }
        }
        // Codes that mean "not now" whatever the status (RFC 6749 §5.2, RFC 8628, RFC 9449).
        let passing: Set<String> = ["temporarily_unavailable", "server_error", "slow_down", "use_dpop_nonce"]
        if let code = reply.oauthError?.code, passing.contains(code) {
            return .unavailable("\(service) could not issue a token now (\(detail))")
        }
        switch reply.status {
        case 408, 429, 500...599:
            return .unavailable("\(service) could not issue a token now (\(detail))")
        case 300...399:
            // A token endpoint does not redirect; the configured URL is wrong.
            return .credentialsRefused("\(service) answered \(url) with a redirect (\(detail)); check the token endpoint setting")
        case 400...499:
            return .credentialsRefused("\(service) refused dropbridge's credentials (\(detail))")
        default:
            return .unavailable("\(service) answered the token request unexpectedly (\(detail))")
        }
    }

    /// `{access_token, token_type, expires_in}` from a 200 answer; `tokenType` is demanded
    /// (case-insensitive) when given.
    func token(from reply: Reply, tokenType: String? = nil) throws(AuthorizationError) -> AccessToken {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(reply.body))) as? [String: Any],
            let value = object["access_token"] as? String, !value.isEmpty
        else {
            throw .unavailable("\(service) answered HTTP \(reply.status) without an access_token")
        }
        if let tokenType {
            let issued = object["token_type"] as? String ?? "(none)"
            guard issued.lowercased() == tokenType.lowercased() else {
                throw .credentialsRefused(
                    "\(service) issued a token of type \(issued), not \(tokenType); enable \(tokenType) for the client")
            }
        }
        // A number by RFC 6749 §5.1; some servers send it as a string ("3600").
        let lifetime = (object["expires_in"] as? NSNumber)?.doubleValue ?? (object["expires_in"] as? String).flatMap(Double.init) ?? 60
        return AccessToken(value: value, lifetime: max(1, lifetime))
    }

    static func clip(_ text: String) -> String {
        text.count > 200 ? String(text.prefix(200)) + "…" : text
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return TransportErrorText.describe(error)
    }
}

/// A reply's body may hold a token: it is never shown.
extension TokenEndpoint.Reply: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    var description: String { "Reply(status: \(status), \(body.count) bytes redacted)" }
    var debugDescription: String { description }
    var customMirror: Mirror { Mirror(self, children: ["status": status]) }
}

/// `application/x-www-form-urlencoded` (WHATWG URL §5.2).
enum FormEncoding {
    private static let unreserved = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._*")

    static func encode(_ fields: [(String, String)]) -> String {
        fields.map { "\(escape($0.0))=\(escape($0.1))" }.joined(separator: "&")
    }

    static func escape(_ text: String) -> String {
        text.split(separator: " ", omittingEmptySubsequences: false)
            .map { $0.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }
            .joined(separator: "+")
    }
}
