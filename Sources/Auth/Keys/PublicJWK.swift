import Crypto
import Foundation
import JWTKit

/// The public half of a signing key as a JWK: what goes into a DPoP proof's `jwk` header,
/// what an operator registers at HelseID or Maskinporten, and what a thumbprint is taken of.
package struct PublicJWK: Sendable, Equatable {
    /// The members RFC 7638 requires for the key type, and nothing else:
    /// `kty`, `n`, `e` (RSA) or `kty`, `crv`, `x`, `y` (EC).
    package let members: [String: String]

    package init(rsaModulus n: some Sequence<UInt8>, exponent e: some Sequence<UInt8>) {
        members = ["kty": "RSA", "n": Base64URL.encode(Self.unsigned(n)), "e": Base64URL.encode(Self.unsigned(e))]
    }

    package init(ecCurve curve: String, x: String, y: String) {
        members = ["kty": "EC", "crv": curve, "x": x, "y": y]
    }

    /// From a `jwk` object someone sent (a DPoP proof header). nil when it is not a public RSA or
    /// EC key with the required members; private members make it nil too.
    package init?(received object: [String: JWTHeaderField]) {
        let privateMembers: Set<String> = ["d", "p", "q", "dp", "dq", "qi", "oth", "k"]
        guard privateMembers.isDisjoint(with: object.keys) else { return nil }
        self.init(members: object.compactMapValues(\.asString))
    }

    /// From a public key's members; extra members (`kid`, `alg`, `use`) are dropped. nil when a
    /// required member is missing or the key type is not RSA or EC.
    package init?(members given: [String: String]) {
        let required: [String] =
            switch given["kty"] {
            case "RSA": ["kty", "n", "e"]
            case "EC": ["kty", "crv", "x", "y"]
            default: []
            }
        guard !required.isEmpty else { return nil }
        var members: [String: String] = [:]
        for name in required {
            guard let value = given[name], !value.isEmpty else { return nil }
            members[name] = value
        }
        self.members = members
    }

    /// The RFC 7638 JWK thumbprint (SHA-256, base64url): the `cnf.jkt` a DPoP-bound token
    /// carries, and the default key id.
    package var thumbprint: String {
        Base64URL.encode(SHA256.hash(data: canonicalJSON))
    }

    /// The required members in lexicographic order without whitespace (RFC 7638 §3).
    package var canonicalJSON: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        // A [String: String] always encodes.
        return (try? encoder.encode(members)) ?? Data()
    }

    /// For a JWS header's `jwk`.
    package var headerField: JWTHeaderField {
        .object(members.mapValues { .string($0) })
    }

    /// Big-endian unsigned integers in a JWK carry no leading zero bytes.
    private static func unsigned(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        let all = Array(bytes)
        let trimmed = all.drop { $0 == 0 }
        return trimmed.isEmpty ? [0] : Array(trimmed)
    }
}
