import Auth
import Foundation

/// Checks a signed client assertion (HelseID `private_key_jwt`, Maskinporten JWT grant)
/// against the client's registered key.
struct AssertionVerifier: Sendable {
    let authority: AuthorityState

    struct Expectations: Sendable {
        /// The `aud` values accepted (one must be named).
        var audiences: Set<String>
        /// HelseID: the form's `client_id`, which `iss` and `sub` must equal. Maskinporten: nil
        /// (`iss` names the client).
        var clientID: String?
        /// HelseID demands `client-authentication+jwt`.
        var type: String?
        /// Longest accepted `exp` − `iat` (and `exp` − now).
        var maxLifetime: TimeInterval
        /// The algorithms the service takes.
        var algorithms: Set<String> = ReceivedJWS.acceptedAlgorithms
        /// How far `iat` may be from the server's clock, both ways (Maskinporten: 10 s); nil:
        /// only not in the future.
        var issuedAtWindow: TimeInterval? = nil
        /// Maskinporten: the only claims a grant may carry (any other is "Invalid assertion").
        /// nil: any claims.
        var allowedClaims: Set<String>? = nil
        /// `aud` must be one string, not a list (Maskinporten; HelseID, strict as the 2025
        /// private_key_jwt audience-injection advisory asks).
        var singleAudience = false
    }

    /// The verified client and claims, or why the assertion is refused.
    func verify(_ assertion: String, _ expected: Expectations) async throws(Refusal) -> (RegisteredClient, ReceivedClaims) {
        guard let jws = ReceivedJWS(assertion) else { throw Refusal("the assertion is not a compact JWS") }
        if let type = expected.type, jws.header.typ != type {
            throw Refusal("the assertion's typ must be \(type)")
        }
        let claims = jws.claims
        if let allowed = expected.allowedClaims {
            let unknown = jws.claimNames.subtracting(allowed)
            guard unknown.isEmpty else {
                throw Refusal("Invalid assertion: claim \(unknown.sorted().joined(separator: ", ")) is not allowed in a JWT grant")
            }
        }
        if expected.singleAudience, !jws.audienceIsSingle {
            throw Refusal("Invalid assertion: aud must be one string, not a list")
        }
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
        guard let algorithm = jws.algorithm, expected.algorithms.contains(algorithm) else {
            throw Refusal("alg \(jws.header.alg ?? "(none)") is not accepted; use \(expected.algorithms.sorted().joined(separator: ", "))")
        }
        guard await jws.isSigned(by: client.publicKey) else {
            throw Refusal("the assertion's signature does not verify with the key registered for client \(issuer)")
        }
        guard let audiences = claims.aud, !expected.audiences.isDisjoint(with: audiences) else {
            throw Refusal("aud must be \(expected.audiences.sorted().first ?? "")")
        }
        let now = Date().timeIntervalSince1970
        let skew: TimeInterval = 10
        guard let iat = claims.iat, iat <= now + skew else { throw Refusal("iat is missing or in the future") }
        if let window = expected.issuedAtWindow, abs(iat - now) > window {
            throw Refusal("iat is more than \(Int(window)) s from the server's clock")
        }
        guard let exp = claims.exp, exp > now - skew else { throw Refusal("the assertion has expired (exp)") }
        guard exp - max(iat, claims.nbf ?? iat) <= expected.maxLifetime, exp - now <= expected.maxLifetime + skew else {
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
