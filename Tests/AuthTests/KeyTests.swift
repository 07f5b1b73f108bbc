@testable import Auth
import CryptoExtras
import Crypto
import Foundation
import XCTest

final class KeyTests: XCTestCase {
    var folder: String!

    override func setUp() async throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("auth-keys-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func write(_ bytes: [UInt8], _ name: String, mode: Int = 0o600) throws -> String {
        let path = folder + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        return path
    }

    /// RFC 7638 §3.1's example.
    func testThumbprintMatchesRFC7638Example() throws {
        let key = try XCTUnwrap(
            PublicJWK(members: [
                "kty": "RSA", "e": "AQAB", "alg": "RS256", "kid": "2011-04-29",
                "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
            ]))
        XCTAssertEqual(key.thumbprint, "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    }

    func testGeneratedKeysLoadBackWithTheirKeyIDAndAlgorithm() async throws {
        for type in KeyGenerator.KeyType.allCases {
            let pair = try KeyGenerator.generate(type)
            let path = try write(pair.privateJWK, "\(type).jwk")
            let key = try await SigningKey.load(file: path)
            XCTAssertEqual(key.keyID, pair.keyID)
            XCTAssertEqual(key.algorithm, type == .rsa ? .ps512 : .es256)
            XCTAssertEqual(key.publicJWK.thumbprint, pair.keyID)
            // The public file holds no private member.
            let published = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(pair.publicJWK)) as? [String: String])
            XCTAssertTrue(Set(published.keys).isDisjoint(with: ["d", "p", "q", "dp", "dq", "qi"]), "\(published.keys)")
            XCTAssertEqual(published["kid"], pair.keyID)
        }
    }

    func testPEMKeysLoad() async throws {
        let rsa = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let rsaKey = try await SigningKey(keyFile: Array(rsa.pemRepresentation.utf8))
        XCTAssertEqual(rsaKey.algorithm, .rs256)
        XCTAssertEqual(rsaKey.publicJWK.members["kty"], "RSA")
        let ec = P256.Signing.PrivateKey()
        let ecKey = try await SigningKey(keyFile: Array(ec.pemRepresentation.utf8))
        XCTAssertEqual(ecKey.algorithm, .es256)
        XCTAssertEqual(ecKey.publicJWK.members["crv"], "P-256")
        XCTAssertEqual(ecKey.keyID, ecKey.publicJWK.thumbprint)
        // A PEM key registered under another id, and one forced to RS256 (Maskinporten).
        let named = try await SigningKey(keyFile: Array(rsa.pemRepresentation.utf8), algorithm: .rs256, keyID: "portal-key-1")
        XCTAssertEqual(named.keyID, "portal-key-1")
        let assertion = try DecodedJWS(try await ClientAssertionSigner(clientID: "c", key: named).maskinportenGrant(audience: "a", scope: "s"))
        XCTAssertEqual(assertion.header["kid"] as? String, "portal-key-1")
        XCTAssertEqual(assertion.header["alg"] as? String, "RS256")
        do {
            _ = try await SigningKey(keyFile: Array(ec.pemRepresentation.utf8), algorithm: .rs256)
            XCTFail("an EC key was accepted for RS256")
        } catch {}
    }

    func testAKeyFileReadableByOthersIsRefusedNamingTheFileAndTheFix() async throws {
        let path = try write(try KeyGenerator.generate(.ec).privateJWK, "open.jwk", mode: 0o644)
        do {
            _ = try await SigningKey.load(file: path)
            XCTFail("a 0644 key file was accepted")
        } catch {
            let message = "\(error)"
            XCTAssertTrue(message.contains(path), message)
            XCTAssertTrue(message.contains("chmod 600"), message)
            XCTAssertTrue(message.contains("644"), message)
        }
        let groupReadable = try write(try KeyGenerator.generate(.ec).privateJWK, "group.jwk", mode: 0o640)
        do {
            _ = try await SigningKey.load(file: groupReadable)
            XCTFail("a 0640 key file was accepted")
        } catch {}
    }

    func testAFIFOInPlaceOfTheKeyIsRefusedWithoutBlocking() async throws {
        let path = folder + "/fifo.jwk"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        do {
            _ = try await SigningKey.load(file: path)
            XCTFail("a FIFO was read as a key")
        } catch {
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
    }

    func testPublicOnlyAndMismatchedKeysAreRefused() async throws {
        let pair = try KeyGenerator.generate(.ec)
        do {
            _ = try await SigningKey(keyFile: pair.publicJWK)
            XCTFail("a public JWK was accepted as a private key")
        } catch {
            XCTAssertTrue("\(error)".contains("public key only"), "\(error)")
        }
        var members = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(pair.privateJWK)) as? [String: String])
        members["alg"] = "RS256"
        let wrongAlg = try JSONSerialization.data(withJSONObject: members)
        do {
            _ = try await SigningKey(keyFile: Array(wrongAlg))
            XCTFail("an EC key with alg RS256 was accepted")
        } catch {
            XCTAssertTrue("\(error)".contains("ES256"), "\(error)")
        }
        do {
            _ = try await SigningKey(keyFile: Array("not a key".utf8))
            XCTFail("garbage was accepted")
        } catch {}
    }

    func testAccessTokenRenewsBeforeItExpires() {
        let now = Date()
        let token = AccessToken(value: "t", lifetime: 300, now: now)
        XCTAssertEqual(token.renewAt.timeIntervalSince(now), 240, accuracy: 0.001)
        let short = AccessToken(value: "t", lifetime: 2, now: now)
        XCTAssertEqual(short.renewAt.timeIntervalSince(now), 1.6, accuracy: 0.001)
        let long = AccessToken(value: "t", lifetime: 3600, now: now)
        XCTAssertEqual(long.renewAt.timeIntervalSince(now), 3540, accuracy: 0.001)
    }
}

final class TokenCacheTests: XCTestCase {
    actor Calls {
        var count = 0
        func next() -> Int { count += 1; return count }
    }

    /// While the token service is down, a token past its renewal time but not expired serves on.
    func testAStillValidTokenServesWhileTheServiceIsDown() async throws {
        let calls = Calls()
        let cache = TokenCache(troublePause: 0) {
            if await calls.next() == 1 {
                // Due for renewal already (80 % of 2 s passed), valid for 0.3 s more.
                return AccessToken(value: "first", lifetime: 2, now: Date() - 1.7)
            }
            throw AuthorizationError.unavailable("down")
        }
        let first = try await cache.token()
        XCTAssertEqual(first.value, "first")
        let during = try await cache.token()
        XCTAssertEqual(during.value, "first")
        let count = await calls.count
        XCTAssertEqual(count, 2)
        // Once it expires, the outage shows.
        try await Task.sleep(for: .milliseconds(400))
        do {
            _ = try await cache.token()
            XCTFail("an expired token was handed out")
        } catch let error as AuthorizationError {
            XCTAssertEqual(error, .unavailable("down"))
        }
    }

    /// A refusal is repeated without asking again for a while.
    func testARefusalIsNotAskedAgainAtOnce() async throws {
        let calls = Calls()
        let cache = TokenCache(refusalPause: 60) {
            _ = await calls.next()
            throw AuthorizationError.credentialsRefused("no")
        }
        for _ in 0..<5 {
            do {
                _ = try await cache.token()
                XCTFail("a token was handed out")
            } catch {}
        }
        let count = await calls.count
        XCTAssertEqual(count, 1)
    }
}
