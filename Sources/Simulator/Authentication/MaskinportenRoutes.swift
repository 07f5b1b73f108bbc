import Auth
import Foundation
import Hummingbird
import JWTKit

/// `POST /maskinporten/token` (JWT grant) and Altinn's
/// `GET /authentication/api/v1/exchange/maskinporten` (docs/docs/docs/altinn-correspondence.md §2).
/// Maskinporten's audience is `http://<origin>/maskinporten/`.
struct MaskinportenRoutes: Sendable {
    let authority: AuthorityState
    /// Signs the Altinn tokens the exchange hands out (a JWT whose `exp` clients read).
    let altinnKey: ES256PrivateKey
    static let scopes: Set<String> = ["altinn:correspondence.write", "altinn:serviceowner", "altinn:events.subscribe"]
    /// The claims Maskinporten documents for a JWT grant; any other (`sub`, `nbf`, …) is refused
    /// as "Invalid assertion" (docs/altinn-correspondence.md, Maskinporten and the Altinn exchange).
    static let grantClaims: Set<String> = [
        "aud", "iss", "scope", "iat", "exp", "jti", "resource", "consumer_org", "iss_onbehalfof", "authorization_details",
    ]

    func register(on router: Router<SimulatorRequestContext>) {
        router.post("maskinporten/token") { request, _ in
            await OAuthRefusal.answer(authority, service: "Maskinporten") { () async throws(OAuthRefusal) -> Response in
                try await grant(request)
            }
        }
        router.get("authentication/api/v1/exchange/maskinporten") { request, _ in
            await OAuthRefusal.answer(authority, service: "Altinn exchange") { () async throws(OAuthRefusal) -> Response in
                try await exchange(request)
            }
        }
    }

    private func grant(_ request: Request) async throws(OAuthRefusal) -> Response {
        let form: [String: String]
        do {
            form = try await FormBody.read(request)
        } catch {
            throw OAuthRefusal("invalid_request", "the token request must be application/x-www-form-urlencoded, at most 64 KB, each field once")
        }
        guard form["grant_type"] == "urn:ietf:params:oauth:grant-type:jwt-bearer", let assertion = form["assertion"] else {
            throw OAuthRefusal("unsupported_grant_type", "grant_type must be urn:ietf:params:oauth:grant-type:jwt-bearer with an assertion")
        }
        let audience = request.normalizedOrigin + "/maskinporten/"
        let claims: ReceivedClaims
        let client: RegisteredClient
        do {
            (client, claims) = try await AssertionVerifier(authority: authority).verify(
                // Maskinporten: RS256/384/512 only, iat within 10 s, at most 120 s valid.
                assertion,
                .init(
                    audiences: [audience], clientID: nil, type: nil, maxLifetime: 120,
                    algorithms: ["RS256", "RS384", "RS512"], issuedAtWindow: 10, allowedClaims: Self.grantClaims, singleAudience: true))
        } catch {
            throw OAuthRefusal("invalid_grant", error.reason)
        }
        let requested = Set((claims.scope ?? "").split(separator: " ").map(String.init))
        guard !requested.isEmpty, requested.isSubset(of: Self.scopes) else {
            throw OAuthRefusal("invalid_scope", "scope must be one or more of \(Self.scopes.sorted().joined(separator: " "))")
        }
        let scope = requested.sorted().joined(separator: " ")
        let issued = await authority.issue(clientID: client.clientID, audience: .maskinporten, boundKey: nil, scope: scope)
        return OAuthResponse.token(issued.token, type: "Bearer", lifetime: issued.lifetime, scope: scope)
    }

    private func exchange(_ request: Request) async throws(OAuthRefusal) -> Response {
        guard let value = request.credentials(scheme: "Bearer") else {
            throw OAuthRefusal("invalid_token", "Authorization: Bearer <Maskinporten token> is required", status: .unauthorized)
        }
        guard let token = await authority.token(value), token.audience == .maskinporten, token.expiresAt > Date() else {
            throw OAuthRefusal("invalid_token", "the Maskinporten token is unknown or expired", status: .unauthorized)
        }
        // Altinn's token is a JWT whose `exp` clients read to know when to renew.
        let claims = AltinnTokenClaims(
            iss: request.normalizedOrigin + "/authentication/api/v1/openid/", jti: RandomID.make(),
            exp: Int(Date().timeIntervalSince1970) + authority.settings.accessTokenSeconds, scope: token.scope,
            client_id: token.clientID)
        let jwt: String
        do {
            jwt = try await JWTKeyCollection().add(ecdsa: altinnKey).sign(claims)
        } catch {
            throw OAuthRefusal("server_error", "the simulator could not sign the Altinn token", status: .internalServerError)
        }
        _ = await authority.issue(clientID: token.clientID, audience: .altinn, boundKey: nil, scope: token.scope, value: jwt)
        // ASP.NET's content negotiation: a string result is plain text unless the client asked
        // for JSON and not for text, then it is a JSON string (quoted).
        if Self.wantsJSON(request.headers[values: .accept].joined(separator: ",")) {
            return JSONResponse.make(status: .ok, jwt)
        }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: jwt)))
    }

    static func wantsJSON(_ accept: String) -> Bool {
        let types = accept.split(separator: ",").map { trimmed(String($0.split(separator: ";").first ?? "")).lowercased() }
        return types.contains("application/json") && !types.contains("text/plain") && !types.contains("*/*")
    }

    struct AltinnTokenClaims: JWTPayload {
        var iss: String
        var jti: String
        var exp: Int
        var scope: String
        var client_id: String

        func verify(using algorithm: some JWTAlgorithm) async throws {}
    }
}
