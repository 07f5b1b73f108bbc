import Auth
import Crypto
import Foundation
import JWTKit
import XCTest

final class DPoPProofTests: XCTestCase {
    func testProofHasTheRequiredClaimsAndHtuWithoutQuery() async throws {
        let key = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        let proof = try await DPoPProofSigner(key: key).proof(
            method: "GET", url: "https://api.example/notifications?HerIds=1&Offset=5#x", accessToken: "token-123")
        let decoded = try DecodedJWS(proof)
        XCTAssertEqual(decoded.header["typ"] as? String, "dpop+jwt")
        XCTAssertEqual(decoded.header["alg"] as? String, "ES256")
        XCTAssertNil(decoded.header["kid"])
        let jwk = try XCTUnwrap(decoded.header["jwk"] as? [String: String])
        XCTAssertEqual(jwk, key.publicJWK.members)
        XCTAssertNil(jwk["d"])
        XCTAssertEqual(decoded.claims["htm"] as? String, "GET")
        XCTAssertEqual(decoded.claims["htu"] as? String, "https://api.example/notifications")
        let expectedHash = Base64URL.encode(SHA256.hash(data: Data("token-123".utf8)))
        XCTAssertEqual(decoded.claims["ath"] as? String, expectedHash)
        let iat = try XCTUnwrap(decoded.claims["iat"] as? NSNumber).doubleValue
        XCTAssertEqual(iat, Date().timeIntervalSince1970, accuracy: 5)
        XCTAssertFalse((decoded.claims["jti"] as? String ?? "").isEmpty)
        XCTAssertNil(decoded.claims["nonce"])

        // Signed by the key in its own header.
        var members = jwk
        members["alg"] = "ES256"
        members["kid"] = "k"
        let keys = try await JWTKeyCollection().add(jwk: JWK(json: String(decoding: try JSONEncoder().encode(members), as: UTF8.self)))
        struct Claims: JWTPayload {
            var htu: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let verified = try await keys.verify(proof, as: Claims.self)
        XCTAssertEqual(verified.htu, "https://api.example/notifications")
    }

    func testEveryProofIsNew() async throws {
        let key = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        let signer = DPoPProofSigner(key: key)
        let first = try DecodedJWS(try await signer.proof(method: "POST", url: "https://x/messages"))
        let second = try DecodedJWS(try await signer.proof(method: "POST", url: "https://x/messages"))
        XCTAssertNotEqual(first.claims["jti"] as? String, second.claims["jti"] as? String)
        XCTAssertNil(first.claims["ath"])
    }

    func testClientAssertionClaims() async throws {
        let pair = try KeyGenerator.generate(.rsa)
        let key = try await SigningKey(keyFile: pair.privateJWK)
        let assertion = try await ClientAssertionSigner(clientID: "client-1", key: key)
            .helseIDAssertion(audience: "https://helseid-sts.test.nhn.no")
        let decoded = try DecodedJWS(assertion)
        XCTAssertEqual(decoded.header["typ"] as? String, "client-authentication+jwt")
        XCTAssertEqual(decoded.header["kid"] as? String, pair.keyID)
        XCTAssertEqual(decoded.header["alg"] as? String, "PS512")
        XCTAssertEqual(decoded.claims["iss"] as? String, "client-1")
        XCTAssertEqual(decoded.claims["sub"] as? String, "client-1")
        XCTAssertEqual(decoded.claims["aud"] as? String, "https://helseid-sts.test.nhn.no")
        let iat = try XCTUnwrap(decoded.claims["iat"] as? NSNumber).intValue
        let exp = try XCTUnwrap(decoded.claims["exp"] as? NSNumber).intValue
        XCTAssertTrue((5...60).contains(exp - iat), "\(exp - iat)")
        XCTAssertNotNil(decoded.claims["nbf"])
        XCTAssertNotNil(decoded.claims["jti"])
    }
}
