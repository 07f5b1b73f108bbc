import Auth
import XCTest

@testable import Simulator

/// The verifier built from a received JWK is kept between proofs; the signature of every proof
/// is still checked with it.
final class ReceivedJWSTests: XCTestCase {
    func testEveryProofIsVerifiedWithTheKeptKey() async throws {
        let key = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        let signer = DPoPProofSigner(key: key)
        let firstProof = try await signer.proof(method: "GET", url: "http://127.0.0.1/messages")
        let first = try XCTUnwrap(ReceivedJWS(firstProof))
        let verified = await first.isSigned(by: key.publicJWK)
        XCTAssertTrue(verified)
        let cacheKey = String(decoding: key.publicJWK.canonicalJSON, as: UTF8.self) + "|ES256"
        XCTAssertNotNil(VerifyingKeys.shared.keys(for: cacheKey), "the verifier is kept for the next proof")

        let second = try await signer.proof(method: "PUT", url: "http://127.0.0.1/messages/x/downloaded")
        let secondProof = try XCTUnwrap(ReceivedJWS(second))
        let secondVerified = await secondProof.isSigned(by: key.publicJWK)
        XCTAssertTrue(secondVerified)

        // The same header and claims with another signature: refused although the key is kept.
        let parts = second.split(separator: ".", omittingEmptySubsequences: false)
        let another = try await signer.proof(method: "GET", url: "http://127.0.0.1/other")
        let forged = another.split(separator: ".", omittingEmptySubsequences: false)[2]
        let tampered = try XCTUnwrap(ReceivedJWS("\(parts[0]).\(parts[1]).\(forged)"))
        let tamperedVerified = await tampered.isSigned(by: key.publicJWK)
        XCTAssertFalse(tamperedVerified)

        // A proof by another key does not verify with this key's kept verifier.
        let other = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        let foreignProof = try await DPoPProofSigner(key: other).proof(method: "GET", url: "http://127.0.0.1/messages")
        let foreign = try XCTUnwrap(ReceivedJWS(foreignProof))
        let foreignVerified = await foreign.isSigned(by: key.publicJWK)
        XCTAssertFalse(foreignVerified)
    }

    func testTheKeptKeysAreBounded() {
        let cache = BoundedCache<Int>(capacity: 4)
        for index in 0...4 { cache.remember(index, for: "key \(index)") }
        XCTAssertEqual(cache.keys(for: "key 4"), 4)
        XCTAssertNil(cache.keys(for: "key 0"), "a full cache starts again")
    }
}
