import Crypto
import CryptoExtras
import Foundation
import SwiftASN1

/// Makes a new key pair for `dropbridge keygen`: the private JWK for dropbridge and the public
/// JWK to register at HelseID or Maskinporten.
package enum KeyGenerator {
    package enum KeyType: String, Sendable, CaseIterable {
        /// RSA 3072 bits, PS512: what HelseID and NHN use in their own examples.
        case rsa
        /// EC P-256, ES256: small and fast to sign with.
        case ec
    }

    package struct KeyPair: Sendable {
        package let keyID: String
        /// Pretty JSON with a trailing newline.
        package let privateJWK: [UInt8]
        package let publicJWK: [UInt8]
    }

    /// A new key of `type`, labelled with `algorithm` (default PS512 for RSA, ES256 for EC).
    package static func generate(_ type: KeyType, algorithm chosen: SigningKey.Algorithm? = nil) throws -> KeyPair {
        if let chosen, chosen.isRSA != (type == .rsa) {
            throw SigningKey.LoadError.invalid("\(chosen.rawValue) does not fit a key of type \(type.rawValue)")
        }
        let publicKey: PublicJWK
        var privateMembers: [String: String]
        let algorithm: String
        switch type {
        case .ec:
            let key = P256.Signing.PrivateKey()
            let point = Array(key.publicKey.x963Representation)  // 0x04 || x || y
            publicKey = PublicJWK(ecCurve: "P-256", x: Base64URL.encode(point[1...32]), y: Base64URL.encode(point[33...64]))
            privateMembers = ["d": Base64URL.encode(key.rawRepresentation)]
            algorithm = chosen?.rawValue ?? "ES256"
        case .rsa:
            let key = try _RSA.Signing.PrivateKey(keySize: .bits3072)
            let numbers = try RSANumbers(pkcs1DER: Array(key.derRepresentation))
            publicKey = PublicJWK(rsaModulus: numbers.n, exponent: numbers.e)
            privateMembers = [
                "d": Base64URL.encode(numbers.d), "p": Base64URL.encode(numbers.p), "q": Base64URL.encode(numbers.q),
                "dp": Base64URL.encode(numbers.dp), "dq": Base64URL.encode(numbers.dq), "qi": Base64URL.encode(numbers.qi),
            ]
            algorithm = chosen?.rawValue ?? "PS512"
        }
        let keyID = publicKey.thumbprint
        let common = ["kid": keyID, "alg": algorithm, "use": "sig"]
        let publicMembers = publicKey.members.merging(common) { $1 }
        privateMembers.merge(publicMembers) { $1 }
        return KeyPair(keyID: keyID, privateJWK: try json(privateMembers), publicJWK: try json(publicMembers))
    }

    private static func json(_ members: [String: String]) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(members)) + [0x0A]
    }
}

/// The numbers of a PKCS#1 `RSAPrivateKey` (RFC 8017 A.1.2), as unsigned big-endian bytes.
struct RSANumbers {
    var n, e, d, p, q, dp, dq, qi: [UInt8]

    init(pkcs1DER der: [UInt8]) throws {
        let root = try DER.parse(der)
        let integers: [[UInt8]] = try DER.sequence(root, identifier: .sequence) { nodes in
            var values: [[UInt8]] = []
            while let node = nodes.next() {
                let bytes = try ArraySlice<UInt8>(derEncoded: node)
                values.append(Array(bytes.drop { $0 == 0 }))
            }
            return values
        }
        // version, n, e, d, p, q, dP, dQ, qInv
        guard integers.count == 9 else { throw ASN1Error.invalidASN1Object(reason: "not a two-prime PKCS#1 RSA private key") }
        (n, e, d, p, q, dp, dq, qi) = (
            integers[1], integers[2], integers[3], integers[4], integers[5], integers[6], integers[7], integers[8]
        )
    }
}

/// A key pair never shows its private half, in a log line, a failed assertion or a dump.
extension KeyGenerator.KeyPair: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String { "KeyPair(keyID: \(keyID), private key redacted)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["keyID": keyID]) }
}
