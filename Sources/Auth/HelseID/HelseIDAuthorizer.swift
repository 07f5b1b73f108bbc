import AsyncHTTPClient
import NIOHTTP1
import Logging
import NIOCore
import Synchronization

/// Authorizes NHN calls with a HelseID access token bound to our key by DPoP: every request
/// gets `Authorization: DPoP <token>` and a fresh proof for its method and URL.
package final class HelseIDAuthorizer: RequestAuthorizer {
    private let cache: TokenCache
    private let proofs: DPoPProofSigner
    /// The latest nonce NHN gave for its proofs (RFC 9449 §9), if it ever does: from a
    /// `use_dpop_nonce` refusal or from the `DPoP-Nonce` header of any other answer.
    private let nonce = Mutex<String?>(nil)

    package init(
        settings: HelseIDSettings, key: SigningKey, httpClient: HTTPClient, timeout: TimeAmount = .seconds(30),
        logger: Logger = Logger(label: "dropbridge.helseid")
    ) {
        let source = HelseIDTokenSource(settings: settings, key: key, httpClient: httpClient, timeout: timeout, logger: logger)
        cache = TokenCache { try await source.fetch() }
        proofs = DPoPProofSigner(key: key)
    }

    package func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws {
        let token = try await cache.token()
        let proof: String
        do {
            proof = try await proofs.proof(method: method, url: url, accessToken: token.value, nonce: nonce.withLock { $0 })
        } catch {
            throw AuthorizationError.credentialsRefused("the HelseID key could not sign a DPoP proof: \(error)")
        }
        request.headers.replaceOrAdd(name: "Authorization", value: "DPoP \(token.value)")
        request.headers.replaceOrAdd(name: "DPoP", value: proof)
    }

    package func credentialsRejected(_ request: HTTPClientRequest, answer: HTTPHeaders) async {
        // A nonce demand is no verdict on the token: keep it, and prove with the nonce.
        if let challenge = answer.first(name: "WWW-Authenticate"), challenge.contains("use_dpop_nonce"),
            let fresh = answer.first(name: "DPoP-Nonce")
        {
            nonce.withLock { $0 = fresh }
            return
        }
        await cache.invalidate(Self.token(in: request, scheme: "DPoP"))
    }

    /// A server that rotates its nonce sends the next one with any answer; the client must use
    /// it on its next request (RFC 9449 §9) or be refused with `use_dpop_nonce` again.
    package func answered(_ answer: HTTPHeaders) async {
        guard let fresh = answer.first(name: "DPoP-Nonce"), !fresh.isEmpty else { return }
        nonce.withLock { $0 = fresh }
    }
}

extension RequestAuthorizer {
    /// The token a request carried under `scheme` (to forget exactly that one after a 401).
    static func token(in request: HTTPClientRequest, scheme: String) -> String? {
        guard let value = request.headers.first(name: "Authorization"), value.hasPrefix(scheme + " ") else { return nil }
        return String(value.dropFirst(scheme.count + 1))
    }
}
