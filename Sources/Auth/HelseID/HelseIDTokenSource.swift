import AsyncHTTPClient
import Logging
import NIOCore
import Synchronization

/// Gets DPoP-bound access tokens from HelseID with client credentials and a `private_key_jwt`
/// assertion (docs/nhn-edi.md §2.2), including the `use_dpop_nonce` exchange.
final class HelseIDTokenSource: Sendable {
    private let settings: HelseIDSettings
    private let assertions: ClientAssertionSigner
    private let proofs: DPoPProofSigner
    private let endpoint: TokenEndpoint
    private let logger: Logger
    /// The last `DPoP-Nonce` HelseID gave; sent with the next request so that most token
    /// requests need one round trip, not two.
    private let nonce = Mutex<String?>(nil)

    init(settings: HelseIDSettings, key: SigningKey, httpClient: HTTPClient, timeout: TimeAmount, logger: Logger) {
        self.settings = settings
        assertions = ClientAssertionSigner(clientID: settings.clientID, key: key)
        proofs = DPoPProofSigner(key: key)
        endpoint = TokenEndpoint(service: "HelseID", url: settings.tokenEndpoint, httpClient: httpClient, timeout: timeout)
        self.logger = logger
    }

    func fetch() async throws -> AccessToken {
        var nonceRetried = false
        while true {
            let reply = try await requestToken(nonce: nonce.withLock { $0 })
            if let fresh = reply.headers.first(name: "DPoP-Nonce") { nonce.withLock { $0 = fresh } }
            if reply.status == 200 {
                let token = try endpoint.token(from: reply, tokenType: "DPoP")
                logger.info(
                    "HelseID access token obtained",
                    metadata: ["helseid.clientId": "\(settings.clientID)", "validSeconds": "\(Int(token.expiresAt.timeIntervalSinceNow))"])
                return token
            }
            // The first request (or one with a stale nonce) is answered 400 use_dpop_nonce:
            // retry once with the nonce just given. Asked again right away, the nonces are
            // turning over faster than we can use them: try later, it is no refusal.
            if reply.status == 400, reply.oauthError?.code == "use_dpop_nonce" {
                guard nonceRetried || reply.headers.first(name: "DPoP-Nonce") == nil else {
                    nonceRetried = true
                    continue
                }
                throw AuthorizationError.unavailable("HelseID asked for a new DPoP nonce again right after the last one")
            }
            let failure = endpoint.failure(reply)
            logger.error("\(failure)", metadata: ["helseid.clientId": "\(settings.clientID)"])
            throw failure
        }
    }

    private func requestToken(nonce: String?) async throws -> TokenEndpoint.Reply {
        // A new assertion and proof for every request: each carries its own `jti`.
        let assertion: String
        let proof: String
        do {
            assertion = try await assertions.helseIDAssertion(audience: settings.issuer)
            proof = try await proofs.proof(method: "POST", url: settings.tokenEndpoint, nonce: nonce)
        } catch {
            throw AuthorizationError.credentialsRefused("the HelseID key could not sign: \(error)")
        }
        var form = [
            ("grant_type", "client_credentials"),
            ("client_id", settings.clientID),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion),
        ]
        if !settings.scope.isEmpty { form.append(("scope", settings.scope)) }
        return try await endpoint.post(form: form, headers: [("DPoP", proof)])
    }
}
