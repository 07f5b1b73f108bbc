import Foundation
import Hummingbird

/// Token-service answers (RFC 6749 §5): the token, or `{error, error_description}`.
enum OAuthResponse {
    static func token(_ token: String, type: String, lifetime: Int, scope: String) -> Response {
        var response = JSONResponse.make(
            status: .ok,
            TokenBody(access_token: token, token_type: type, expires_in: lifetime, scope: scope))
        response.headers[.cacheControl] = "no-store"
        return response
    }

    private struct TokenBody: Encodable {
        var access_token: String
        var token_type: String
        var expires_in: Int
        var scope: String
    }
}

/// A token-service refusal: `{error, error_description}` with its status and headers.
struct OAuthRefusal: Error, Sendable {
    var code: String
    var reason: String
    var status: HTTPResponse.Status = .badRequest
    var headers: HTTPFields = [:]

    init(_ code: String, _ reason: String, status: HTTPResponse.Status = .badRequest, headers: HTTPFields = [:]) {
        self.code = code
        self.reason = reason
        self.status = status
        self.headers = headers
    }

    var response: Response {
        var response = JSONResponse.make(status: status, ["error": code, "error_description": reason])
        for field in headers { response.headers.append(field) }
        response.headers[.cacheControl] = "no-store"
        return response
    }

    /// Answers `refusal` and records why (except a nonce challenge, which is no refusal).
    static func answer(_ authority: AuthorityState, service: String, _ work: () async throws(OAuthRefusal) -> Response) async -> Response {
        do {
            return try await work()
        } catch {
            if error.code != "use_dpop_nonce" { await authority.countRefusal("\(service): \(error.code): \(error.reason)") }
            return error.response
        }
    }
}

/// `application/x-www-form-urlencoded` request bodies.
enum FormBody {
    enum Problem: Error {
        case notForm, tooLarge, malformed(String)
    }

    /// The fields; a repeated field is malformed (RFC 6749 §3.1).
    static func read(_ request: Request) async throws(Problem) -> [String: String] {
        let declared = request.headers[.contentType] ?? ""
        let mediaType = trimmed(String(declared.split(separator: ";", maxSplits: 1).first ?? "")).lowercased()
        guard mediaType == "application/x-www-form-urlencoded" else { throw .notForm }
        let bytes: [UInt8]
        do {
            bytes = try await RequestBodyReader.collect(request, limit: 64 * 1024)
        } catch {
            throw .tooLarge
        }
        var fields: [String: String] = [:]
        for pair in String(decoding: bytes, as: UTF8.self).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : "") else {
                throw .malformed("a field is not percent-encoded correctly")
            }
            guard fields[name] == nil else { throw .malformed("the field \(name) is repeated") }
            fields[name] = value
        }
        return fields
    }

    private static func decode(_ text: Substring) -> String? {
        text.replacingOccurrences(of: "+", with: " ").removingPercentEncoding
    }
}
