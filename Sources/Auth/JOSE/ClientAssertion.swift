import Foundation
import JWTKit

/// The claims of a signed client assertion: HelseID's `private_key_jwt` (RFC 7523 client
/// authentication) and Maskinporten's JWT grant share this shape.
struct ClientAssertionClaims: JWTPayload {
    var iss: String
    var sub: String?
    var aud: String
    var jti: String
    var iat: Int
    var nbf: Int?
    var exp: Int
    var scope: String?

    // Verified by the token service, not by us.
    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Makes client assertions for one client id and key.
package struct ClientAssertionSigner: Sendable {
    package let clientID: String
    package let key: SigningKey
    /// How long an assertion is valid (HelseID accepts up to 60 s, Maskinporten up to 120 s).
    package var lifetime: Int = 30

    package init(clientID: String, key: SigningKey) {
        self.clientID = clientID
        self.key = key
    }

    /// HelseID: `typ: client-authentication+jwt`, `iss` = `sub` = client id, `aud` = the issuer.
    package func helseIDAssertion(audience: String, now: Date = Date()) async throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        let claims = ClientAssertionClaims(
            iss: clientID, sub: clientID, aud: audience, jti: RandomID.make(), iat: issuedAt, nbf: issuedAt,
            exp: issuedAt + lifetime, scope: nil)
        return try await key.sign(claims, type: "client-authentication+jwt", embedPublicKey: false)
    }

    /// Maskinporten's JWT grant: `aud` = Maskinporten's audience, `iss` = client id, `scope`.
    package func maskinportenGrant(audience: String, scope: String, now: Date = Date()) async throws -> String {
        let issuedAt = Int(now.timeIntervalSince1970)
        let claims = ClientAssertionClaims(
            iss: clientID, sub: nil, aud: audience, jti: RandomID.make(), iat: issuedAt, nbf: nil,
            exp: issuedAt + lifetime, scope: scope)
        return try await key.sign(claims, type: "JWT", embedPublicKey: false)
    }
}

/// 128 random bits, base64url: `jti` values and nonces.
package enum RandomID {
    package static func make() -> String {
        var generator = SystemRandomNumberGenerator()
        return Base64URL.encode((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }
}
