import Auth
import Foundation
import HTTPTypes
import Hummingbird

/// Checks a DPoP proof (RFC 9449 §4.3) the way HelseID and NHN do.
struct DPoPVerifier: Sendable {
    let authority: AuthorityState
    /// How far `iat` may be from the server's clock: HelseID's (Duende IdentityServer's) proof
    /// lifetime of a minute.
    static let allowedSkew: TimeInterval = 60
    /// How old and how far ahead a proof to an API may be: Duende's API-side defaults (a 5 s
    /// lifetime plus 25 s of clock skew), which an ASP.NET API such as NHN's most likely keeps.
    static let apiWindow = IssuedAtWindow(past: 30, future: 25)

    struct IssuedAtWindow: Sendable {
        var past: TimeInterval
        var future: TimeInterval
        static let tokenEndpoint = IssuedAtWindow(past: allowedSkew, future: allowedSkew)
    }

    enum Refusal: Error, Sendable {
        case invalidProof(String)
        /// The proof was good but lacked a current nonce: answer with a fresh one.
        case useNonce
    }

    /// A proof that passed: the thumbprint of the key that signed it, and the nonce it carried.
    struct Verified: Sendable {
        var thumbprint: String
        var nonce: String?
    }

    /// Verifies the request's `DPoP` header for `method` on `url` (no query).
    func verify(
        _ request: Request, url: String, accessToken: String?, nonceRequired: Bool, window: IssuedAtWindow = .tokenEndpoint
    ) async throws(Refusal) -> Verified {
        let values = request.headers[values: .dpop]
        guard values.count == 1, let value = values.first else {
            throw .invalidProof("the request must carry exactly one DPoP header (it carried \(values.count))")
        }
        guard let proof = ReceivedJWS(value) else { throw .invalidProof("the DPoP header is not a compact JWS") }
        guard proof.header.typ == "dpop+jwt" else { throw .invalidProof("typ must be dpop+jwt") }
        guard let algorithm = proof.algorithm else { throw .invalidProof("alg \(proof.header.alg ?? "(none)") is not accepted") }
        guard let jwkField = proof.header.jwk, let key = PublicJWK(received: jwkField) else {
            throw .invalidProof("jwk must be a public RSA or EC key (and nothing private)")
        }
        guard await proof.isSigned(by: key) else {
            throw .invalidProof("the signature does not verify with the jwk in the header (\(algorithm))")
        }
        let claims = proof.claims
        guard claims.htm == request.method.rawValue else {
            throw .invalidProof("htm \(claims.htm ?? "(none)") is not the request's method \(request.method.rawValue)")
        }
        guard let htu = claims.htu, Request.normalized(htu) == url else {
            throw .invalidProof("htu \(claims.htu ?? "(none)") is not the request URL without query, \(url)")
        }
        let now = Date().timeIntervalSince1970
        guard let iat = claims.iat, iat >= now - window.past, iat <= now + window.future else {
            throw .invalidProof(
                "iat is missing, more than \(Int(window.past)) s old or more than \(Int(window.future)) s ahead of the server's clock")
        }
        if let accessToken {
            guard claims.ath == DPoPProofSigner.accessTokenHash(accessToken) else {
                throw .invalidProof("ath is missing or is not the hash of the access token")
            }
        }
        guard let jti = claims.jti, !jti.isEmpty else { throw .invalidProof("jti is missing") }
        if nonceRequired, await !authority.isValidNonce(claims.nonce) { throw .useNonce }
        guard await authority.useOnce(jti, kind: "dpop", until: Date() + 2 * Self.allowedSkew) else {
            throw .invalidProof("the proof was used before (jti replayed)")
        }
        return Verified(thumbprint: key.thumbprint, nonce: claims.nonce)
    }
}

extension HTTPField.Name {
    static let dpop = HTTPField.Name("DPoP")!
    static let dpopNonce = HTTPField.Name("DPoP-Nonce")!
}

extension Request {
    /// This request's URL without query, normalized (`http`: the simulator listens on
    /// loopback only).
    var urlWithoutQuery: String {
        normalizedOrigin + uri.path
    }

    /// `http://host:port` as the client addressed it, normalized.
    var normalizedOrigin: String {
        Self.normalized("http://" + (head.authority ?? "127.0.0.1"))
    }

    /// The credentials after `scheme` in `Authorization` (the scheme is case-insensitive).
    func credentials(scheme: String) -> String? {
        guard let value = headers[.authorization], let space = value.firstIndex(of: " "),
            value[..<space].lowercased() == scheme.lowercased()
        else { return nil }
        let credentials = value[value.index(after: space)...].drop { $0 == " " }
        return credentials.isEmpty ? nil : String(credentials)
    }

    /// Scheme and host in lower case, a default port dropped (RFC 9449 §4.3 compares `htu`
    /// after syntax-based normalization, RFC 3986 §6.2.2). Path and the rest stay as sent.
    static func normalized(_ url: String) -> String {
        guard var parts = URLComponents(string: url), let scheme = parts.scheme?.lowercased() else { return url }
        parts.scheme = scheme
        parts.host = parts.host?.lowercased()
        if (scheme == "http" && parts.port == 80) || (scheme == "https" && parts.port == 443) { parts.port = nil }
        return parts.string ?? url
    }
}
