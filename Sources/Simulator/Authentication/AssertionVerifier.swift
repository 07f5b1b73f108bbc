import Auth
import Foundation

/// Checks a signed client assertion (HelseID `private_key_jwt`, Maskinporten JWT grant)
/// against the client's registered key.
struct AssertionVerifier: Sendable {
    let authority: AuthorityState

    struct Expectations: Sendable {
        /// The `aud` the assertion must name.
        var audience: String
        /// HelseID: the form's `client_id`, which `iss` and `sub` must equal. Maskinporten: nil
        /// (`iss` names the client).
        var clientID: String?
        /// HelseID demands `client-authentication+jwt`.
        var type: String?
        /// Longest accepted `exp` − `iat`.
        var maxLifetime: TimeInterval
    }

    /// The verified client and claims, or why the assertion is refused.
    func verify(_ assertion: String, _ expected: Expectations) async throws(Refusal) -> (RegisteredClient, ReceivedClaims) {
        guard let jws = ReceivedJWS(assertion) else { throw Refusal("the assertion is not a compact JWS") }
        if let type = expected.type, jws.header.typ != type {
            throw Refusal("the assertion's typ must be \(type)")
        }
        let claims = jws.claims
        guard let issuer = claims.iss, !issuer.isEmpty else { throw Refusal("iss is missing") }
        if let clientID = expected.clientID {
            guard issuer == clientID, claims.sub == clientID else {
                throw Refusal("iss and sub must both be the client_id \(clientID)")
            }
        }
        guard let client = await authority.client(issuer) else {
            throw Refusal("unknown client \(issuer) (no key registered for it)")
        }
        guard let keyID = jws.header.kid else { throw Refusal("kid is missing from the assertion header") }
        if let registered = client.keyID, registered != keyID {
            throw Refusal("key \(keyID) is not registered for client \(issuer)")
        }
        guard jws.algorithm != nil else { throw Refusal("alg \(jws.header.alg ?? "(none)") is not accepted") }
        guard await jws.isSigned(by: client.publicKey) else {
            throw Refusal("the assertion's signature does not verify with the key registered for client \(issuer)")
        }
        guard claims.aud?.contains(expected.audience) == true else {
            throw Refusal("aud must be \(expected.audience)")
        }
        let now = Date().timeIntervalSince1970
        let skew: TimeInterval = 10
        guard let iat = claims.iat, iat <= now + skew else { throw Refusal("iat is missing or in the future") }
        guard let exp = claims.exp, exp > now - skew else { throw Refusal("the assertion has expired (exp)") }
        guard exp - max(iat, claims.nbf ?? iat) <= expected.maxLifetime else {
            throw Refusal("the assertion is valid for longer than \(Int(expected.maxLifetime)) s")
        }
        if let nbf = claims.nbf, nbf > now + skew { throw Refusal("the assertion is not valid yet (nbf)") }
        guard let jti = claims.jti, !jti.isEmpty else { throw Refusal("jti is missing") }
        guard await authority.useOnce(jti, kind: "assertion:" + issuer, until: Date(timeIntervalSince1970: exp + skew)) else {
            throw Refusal("the assertion was used before (jti replayed)")
        }
        return (client, claims)
    }

    struct Refusal: Error, Sendable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
