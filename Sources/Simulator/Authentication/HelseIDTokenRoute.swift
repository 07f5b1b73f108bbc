import Foundation
import Hummingbird

/// `POST /connect/token`: HelseID client credentials with `private_key_jwt` and DPoP
/// (docs/nhn-edi.md §2.2). The issuer (the assertion's `aud`) is the origin itself.
struct HelseIDTokenRoute: Sendable {
    let authority: AuthorityState
    static let path = "/connect/token"
    static let scopes: Set<String> = ["nhn:msh/api"]

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("connect/token") { request, _ in await token(request) }
    }

    func token(_ request: Request) async -> Response {
        await OAuthRefusal.answer(authority, service: "HelseID") { () async throws(OAuthRefusal) -> Response in
            try await answer(request)
        }
    }

    private func answer(_ request: Request) async throws(OAuthRefusal) -> Response {
        let form: [String: String]
        do {
            form = try await FormBody.read(request)
        } catch {
            throw OAuthRefusal("invalid_request", "the token request must be application/x-www-form-urlencoded, at most 64 KB, each field once")
        }
        guard form["grant_type"] == "client_credentials" else {
            throw OAuthRefusal("unsupported_grant_type", "grant_type must be client_credentials")
        }
        guard let clientID = form["client_id"], !clientID.isEmpty else {
            throw OAuthRefusal("invalid_request", "client_id is required")
        }
        guard form["client_assertion_type"] == "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            let assertion = form["client_assertion"]
        else {
            throw OAuthRefusal("invalid_client", "client_assertion_type must be jwt-bearer with a client_assertion (private_key_jwt)")
        }
        // The client first, then DPoP, as Duende IdentityServer (HelseID) validates a token
        // request: the assertion's jti is spent even when the request is then answered
        // use_dpop_nonce, so the retry needs a new assertion, not only a new proof.
        let origin = request.normalizedOrigin
        do {
            _ = try await AssertionVerifier(authority: authority).verify(
                assertion,
                // HelseID's issuer is the one `aud` (docs/nhn-edi.md §2.2; strict, as the 2025
                // private_key_jwt audience-injection advisory asks: not the token endpoint, not a
                // list), and assertions are valid for at most 60 s.
                .init(
                    audiences: [origin], clientID: clientID, type: "client-authentication+jwt", maxLifetime: 60,
                    singleAudience: true))
        } catch {
            throw OAuthRefusal("invalid_client", error.reason)
        }
        let boundKey: String
        do {
            boundKey = try await DPoPVerifier(authority: authority).verify(
                request, url: origin + Self.path, accessToken: nil, nonceRequired: true
            ).thumbprint
        } catch {
            switch error {
            case .useNonce:
                let nonce = await authority.newNonce()
                throw OAuthRefusal(
                    "use_dpop_nonce", "Authorization server requires nonce in DPoP proof", headers: [.dpopNonce: nonce])
            case .invalidProof(let reason):
                throw OAuthRefusal("invalid_dpop_proof", reason)
            }
        }
        let scope = form["scope"] ?? Self.scopes.sorted().joined(separator: " ")
        let requested = Set(scope.split(separator: " ").map(String.init))
        guard !requested.isEmpty, requested.isSubset(of: Self.scopes) else {
            throw OAuthRefusal("invalid_scope", "this client may ask for \(Self.scopes.sorted().joined(separator: " ")) only")
        }
        let issued = await authority.issue(clientID: clientID, audience: .nhn, boundKey: boundKey, scope: scope)
        return OAuthResponse.token(issued.token, type: "DPoP", lifetime: issued.lifetime, scope: scope)
    }
}
