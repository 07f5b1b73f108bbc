import Crypto
import Foundation
import JWTKit

/// The claims of a DPoP proof (RFC 9449 §4.2).
struct DPoPProofClaims: JWTPayload {
    var jti: String
    var htm: String
    var htu: String
    var iat: Int
    /// base64url(SHA-256(access token)), on calls that carry a token.
    var ath: String?
    /// The server's `DPoP-Nonce`, when it demanded one.
    var nonce: String?

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}

/// Makes a fresh DPoP proof for each request, signed with the key the token is bound to.
package struct DPoPProofSigner: Sendable {
    package let key: SigningKey

    package init(key: SigningKey) {
        self.key = key
    }

    /// A proof for `method` on `url`. The query string and fragment are cut from `htu`
    /// (RFC 9449 §4.2), so a caller may pass the full URL.
    package func proof(method: String, url: String, accessToken: String? = nil, nonce: String? = nil, now: Date = Date())
        async throws -> String
    {
        let claims = DPoPProofClaims(
            jti: RandomID.make(), htm: method, htu: Self.htu(url), iat: Int(now.timeIntervalSince1970),
            ath: accessToken.map(Self.accessTokenHash), nonce: nonce)
        return try await key.sign(claims, type: "dpop+jwt", embedPublicKey: true)
    }

    /// The URL without query and fragment.
    package static func htu(_ url: String) -> String {
        let end = url.firstIndex { $0 == "?" || $0 == "#" } ?? url.endIndex
        return String(url[..<end])
    }

    /// `ath`: base64url(SHA-256(ASCII of the access token)).
    package static func accessTokenHash(_ token: String) -> String {
        Base64URL.encode(SHA256.hash(data: Data(token.utf8)))
    }
}
