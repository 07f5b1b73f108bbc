import Auth
import Foundation
import JWTKit
import Synchronization

/// A compact JWS someone sent (client assertion, DPoP proof), read without trusting it:
/// header and claims first, the signature checked against a key the caller chooses.
struct ReceivedJWS: Sendable {
    let token: String
    let header: JWTHeader
    let claims: ReceivedClaims
    /// Every claim name in the payload, known to `ReceivedClaims` or not (Maskinporten refuses
    /// claims it does not document).
    let claimNames: Set<String>
    /// `aud` was one string, not an array (Maskinporten takes one value only).
    let audienceIsSingle: Bool

    /// The algorithms HelseID and Maskinporten accept; never `none` or HMAC.
    static let acceptedAlgorithms: Set<String> = ["RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"]

    /// nil when `token` is not a compact JWS with JSON header and claims.
    init?(_ token: String) {
        guard token.utf8.count <= 16 * 1024,
            let parsed = try? DefaultJWTParser().parse(Array(token.utf8), as: ReceivedClaims.self)
        else { return nil }
        self.token = token
        header = parsed.header
        claims = parsed.payload
        let segments = token.split(separator: ".", omittingEmptySubsequences: false)
        let payload = segments.count == 3 ? Base64URL.decode(String(segments[1])) : nil
        let object = payload.flatMap { (try? JSONSerialization.jsonObject(with: Data($0))) as? [String: Any] } ?? [:]
        claimNames = Set(object.keys)
        audienceIsSingle = object["aud"] is String
    }

    /// The `alg`, when it is one we accept.
    var algorithm: String? {
        header.alg.flatMap { Self.acceptedAlgorithms.contains($0) ? $0 : nil }
    }

    /// True when the signature verifies with `key` under the header's algorithm.
    func isSigned(by key: PublicJWK) async -> Bool {
        guard let algorithm else { return false }
        // The curve must be the algorithm's: a key labelled with another curve would get
        // a thumbprint that is not its own.
        let curves = ["ES256": "P-256", "ES384": "P-384", "ES512": "P-521"]
        if let curve = curves[algorithm] {
            guard key.members["kty"] == "EC", key.members["crv"] == curve else { return false }
        } else if key.members["kty"] != "RSA" {
            return false
        }
        // The canonical JSON holds exactly the key's required members (RFC 7638), so it names
        // one key; the algorithm after it comes from a fixed set without `|` or `}`.
        let cacheKey = String(decoding: key.canonicalJSON, as: UTF8.self) + "|" + algorithm
        let keys: JWTKeyCollection
        if let known = VerifyingKeys.shared.keys(for: cacheKey) {
            keys = known
        } else {
            var members = key.members
            members["alg"] = algorithm
            members["kid"] = "received"
            guard let json = try? JSONEncoder().encode(members),
                let jwk = try? JWK(json: String(decoding: json, as: UTF8.self))
            else { return false }
            keys = JWTKeyCollection()
            // The only key in the collection is the default whatever `kid` the header names.
            guard (try? await keys.add(jwk: jwk, isDefault: true)) != nil else { return false }
            VerifyingKeys.shared.remember(keys, for: cacheKey)
        }
        do {
            _ = try await keys.verify(Array(token.utf8), as: ReceivedClaims.self)
            return true
        } catch {
            return false
        }
    }
}

/// Verifying keys built from received public JWKs, by key and algorithm. A client signs every
/// DPoP proof with the same key, and building the verifier from the JWK (parsing, curve point
/// checks) cost about as much as verifying; the signature itself is still checked on every proof.
enum VerifyingKeys {
    static let shared = BoundedCache<JWTKeyCollection>(capacity: 256)
}

/// A few values by key, forgotten all at once when full (many keys come from tests, not clients).
final class BoundedCache<Value: Sendable>: Sendable {
    let capacity: Int
    private let entries = Mutex<[String: Value]>([:])

    init(capacity: Int) {
        self.capacity = capacity
    }

    func keys(for key: String) -> Value? {
        entries.withLock { $0[key] }
    }

    func remember(_ value: Value, for key: String) {
        entries.withLock { entries in
            if entries.count >= capacity { entries.removeAll() }
            entries[key] = value
        }
    }
}

/// The claims the simulator looks at, all optional: each check names what is missing.
struct ReceivedClaims: JWTPayload {
    var iss: String?
    var sub: String?
    var aud: [String]?
    var jti: String?
    var iat: Double?
    var nbf: Double?
    var exp: Double?
    var scope: String?
    var htm: String?
    var htu: String?
    var ath: String?
    var nonce: String?

    enum CodingKeys: String, CodingKey {
        case iss, sub, aud, jti, iat, nbf, exp, scope, htm, htu, ath, nonce
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func string(_ key: CodingKeys) -> String? { try? container.decodeIfPresent(String.self, forKey: key) }
        func number(_ key: CodingKeys) -> Double? { try? container.decodeIfPresent(Double.self, forKey: key) }
        iss = string(.iss)
        sub = string(.sub)
        jti = string(.jti)
        scope = string(.scope)
        htm = string(.htm)
        htu = string(.htu)
        ath = string(.ath)
        nonce = string(.nonce)
        iat = number(.iat)
        nbf = number(.nbf)
        exp = number(.exp)
        // `aud` may be one string or an array of them (RFC 7519 §4.1.3).
        if let one = string(.aud) {
            aud = [one]
        } else {
            aud = try? container.decodeIfPresent([String].self, forKey: .aud)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encodeIfPresent(iss, forKey: .iss)
        try container.encodeIfPresent(aud, forKey: .aud)
        try container.encodeIfPresent(exp, forKey: .exp)
    }

    func verify(using algorithm: some JWTAlgorithm) async throws {}
}
