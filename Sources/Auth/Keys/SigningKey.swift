import Foundation
import JWTKit

/// A private key that signs client assertions and DPoP proofs, with the public half and key id
/// that go with it. Loaded from a JWK (RSA or EC P-256) or a PEM file.
package struct SigningKey: Sendable {
    /// The JWS algorithms accepted for our own keys (the ones HelseID and Maskinporten take).
    package enum Algorithm: String, Sendable, CaseIterable {
        case rs256 = "RS256", rs384 = "RS384", rs512 = "RS512"
        case ps256 = "PS256", ps384 = "PS384", ps512 = "PS512"
        case es256 = "ES256"

        package var isRSA: Bool { self != .es256 }
    }

    package let algorithm: Algorithm
    package let keyID: String
    package let publicJWK: PublicJWK
    private let keys: JWTKeyCollection

    package enum LoadError: Error, Sendable, Equatable, CustomStringConvertible {
        case invalid(String)

        package var description: String {
            switch self {
            case .invalid(let reason): reason
            }
        }
    }

    /// Reads `path` (mode checked: owner only) and loads the key in it. `algorithm`, when
    /// given, is used whatever the file says (Maskinporten takes RS256/384/512 only).
    /// `keyID`, when given, replaces the file's `kid` (a PEM file has none: its thumbprint is
    /// used otherwise, which must then be the key id registered with the service).
    package static func load(file path: String, algorithm: Algorithm? = nil, keyID: String? = nil) async throws -> SigningKey {
        let bytes: [UInt8]
        do {
            bytes = try KeyFile.read(path)
        } catch {
            throw LoadError.invalid(error.description)
        }
        do {
            return try await SigningKey(keyFile: bytes, algorithm: algorithm, keyID: keyID)
        } catch let error as LoadError {
            throw LoadError.invalid("\(path): \(error.description)")
        }
    }

    /// A JWK (JSON object) or a PEM private key.
    package init(keyFile bytes: [UInt8], algorithm: Algorithm? = nil, keyID: String? = nil) async throws {
        let text = String(decoding: bytes, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("{") {
            try await self.init(jwkJSON: text, algorithm: algorithm, keyID: keyID)
        } else if text.hasPrefix("-----BEGIN") {
            try await self.init(pem: text, algorithm: algorithm, keyID: keyID)
        } else {
            throw LoadError.invalid("not a JWK (JSON object) or a PEM private key")
        }
    }

    /// A private JWK: RSA (`n`, `e`, `d`, optionally `p`, `q`) or EC P-256 (`crv`, `x`, `y`, `d`).
    /// `alg` picks the algorithm (default RS256 for RSA, ES256 for EC); `kid` defaults to the
    /// key's thumbprint. `forced` replaces the JWK's own `alg`.
    package init(jwkJSON: String, algorithm forced: Algorithm? = nil, keyID givenKeyID: String? = nil) async throws {
        var jwk: JWK
        do {
            jwk = try JWK(json: jwkJSON)
        } catch {
            throw LoadError.invalid("not a valid JWK")
        }
        guard jwk.privateExponent != nil else {
            throw LoadError.invalid("the JWK holds a public key only; the private key (with \"d\") is needed")
        }
        let publicJWK: PublicJWK
        let algorithm: Algorithm
        switch jwk.keyType {
        case .rsa:
            guard let n = jwk.modulus.flatMap(Base64URL.decode), let e = jwk.exponent.flatMap(Base64URL.decode) else {
                throw LoadError.invalid("the RSA JWK lacks \"n\" or \"e\"")
            }
            publicJWK = PublicJWK(rsaModulus: n, exponent: e)
            algorithm = try Self.algorithm(named: forced?.rawValue ?? jwk.algorithm?.rawValue, default: .rs256, rsa: true)
        case .ecdsa:
            guard jwk.curve?.rawValue == "P-256" else {
                throw LoadError.invalid("only EC keys on curve P-256 (ES256) are supported")
            }
            algorithm = try Self.algorithm(named: forced?.rawValue ?? jwk.algorithm?.rawValue, default: .es256, rsa: false)
            // The public point is derived from the private scalar, not trusted from the file.
            let key: ES256PrivateKey
            do {
                key = try ES256PrivateKey(key: jwk.privateExponent ?? "")
            } catch {
                throw LoadError.invalid("the EC JWK's \"d\" is not a P-256 private key")
            }
            guard let point = key.parameters else { throw LoadError.invalid("the EC key has no public point") }
            publicJWK = PublicJWK(ecCurve: "P-256", x: point.x, y: point.y)
            jwk.x = point.x
            jwk.y = point.y
        default:
            throw LoadError.invalid("only RSA and EC (P-256) keys are supported")
        }
        let keyID = givenKeyID ?? jwk.keyIdentifier?.string ?? publicJWK.thumbprint
        jwk.keyIdentifier = JWKIdentifier(string: keyID)
        jwk.algorithm = JWK.Algorithm(rawValue: algorithm.rawValue)
        let keys = JWTKeyCollection()
        do {
            try await keys.add(jwk: jwk)
        } catch {
            throw LoadError.invalid("the JWK is not a usable \(algorithm.rawValue) private key (RSA keys need at least 2048 bits)")
        }
        self.init(algorithm: algorithm, keyID: keyID, publicJWK: publicJWK, keys: keys)
    }

    /// A PEM private key (PKCS#1, SEC1 or PKCS#8, unencrypted). RSA keys sign with RS256,
    /// EC P-256 keys with ES256 (or with `forced`); the key id is the key's thumbprint.
    package init(pem: String, algorithm forced: Algorithm? = nil, keyID givenKeyID: String? = nil) async throws {
        if pem.contains("ENCRYPTED") {
            throw LoadError.invalid("encrypted PEM keys are not supported; protect the file with its mode instead")
        }
        let keys = JWTKeyCollection()
        if let rsa = try? Insecure.RSA.PrivateKey(pem: pem) {
            let numbers = try rsa.publicKey.getKeyPrimitives()
            let publicJWK = PublicJWK(rsaModulus: numbers.modulus, exponent: numbers.publicExponent)
            let algorithm = try Self.algorithm(named: forced?.rawValue, default: .rs256, rsa: true)
            let keyID = givenKeyID ?? publicJWK.thumbprint
            let kid = JWKIdentifier(string: keyID)
            let digest: DigestAlgorithm =
                switch algorithm {
                case .rs384, .ps384: .sha384
                case .rs512, .ps512: .sha512
                default: .sha256
                }
            if algorithm.rawValue.hasPrefix("PS") {
                await keys.add(pss: rsa, digestAlgorithm: digest, kid: kid)
            } else {
                await keys.add(rsa: rsa, digestAlgorithm: digest, kid: kid)
            }
            self.init(algorithm: algorithm, keyID: keyID, publicJWK: publicJWK, keys: keys)
        } else if let ec = try? ES256PrivateKey(pem: pem), let point = ec.parameters {
            _ = try Self.algorithm(named: forced?.rawValue, default: .es256, rsa: false)
            let publicJWK = PublicJWK(ecCurve: "P-256", x: point.x, y: point.y)
            let keyID = givenKeyID ?? publicJWK.thumbprint
            await keys.add(ecdsa: ec, kid: JWKIdentifier(string: keyID))
            self.init(algorithm: .es256, keyID: keyID, publicJWK: publicJWK, keys: keys)
        } else {
            throw LoadError.invalid("the PEM is neither an RSA private key (at least 2048 bits) nor an EC P-256 private key")
        }
    }

    private init(algorithm: Algorithm, keyID: String, publicJWK: PublicJWK, keys: JWTKeyCollection) {
        self.algorithm = algorithm
        self.keyID = keyID
        self.publicJWK = publicJWK
        self.keys = keys
    }

    private static func algorithm(named name: String?, default fallback: Algorithm, rsa: Bool) throws -> Algorithm {
        guard let name else { return fallback }
        guard let algorithm = Algorithm(rawValue: name), algorithm.isRSA == rsa else {
            let allowed = Algorithm.allCases.filter { $0.isRSA == rsa }.map(\.rawValue).joined(separator: ", ")
            throw LoadError.invalid("\(name) does not fit this \(rsa ? "RSA" : "EC") key, which signs with \(allowed)")
        }
        return algorithm
    }

    /// Signs `payload` as a compact JWS with `typ` and either our `kid` or our public `jwk`
    /// in the header.
    func sign(_ payload: some JWTPayload, type: String, embedPublicKey: Bool) async throws -> String {
        var header = JWTHeader()
        header.alg = algorithm.rawValue
        header.typ = type
        if embedPublicKey {
            header.jwk = publicJWK.members.mapValues { .string($0) }
        } else {
            header.kid = keyID
        }
        // The collection holds this one key; without a `kid` it signs with it as the default.
        return try await keys.sign(payload, kid: nil, header: header)
    }
}
