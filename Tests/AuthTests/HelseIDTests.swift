import AsyncHTTPClient
@testable import Auth
import Foundation
import NIOCore
import XCTest

/// HelseID client credentials with DPoP against the simulated HelseID and NHN.
final class HelseIDTests: XCTestCase {
    var harness: AuthHarness!

    override func setUp() async throws {
        harness = try await AuthHarness.start()
    }

    override func tearDown() async throws {
        try await harness.shutDown()
    }

    func testHappyPathWithNonceDanceAndOneTokenForManyCalls() async throws {
        let authorizer = harness.helseID()
        // Many callers at once share one token request.
        let harness = self.harness!
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    let headers = try await AuthHarness.headers(from: authorizer, url: harness.baseURL + "/ping")
                    return try await harness.nhnRequest("/ping", headers: headers).status
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        XCTAssertEqual(statuses, Array(repeating: 200, count: 8))
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["nhn"], 1)
        // The first token request was answered use_dpop_nonce, the retry carried the nonce.
        XCTAssertEqual(counters.nonceChallenges, 1)
        XCTAssertEqual(counters.proofsAccepted, 8)
        XCTAssertEqual(counters.refusals, [])
    }

    /// HelseID's nonces live about a minute, tokens longer: the next token request carries a
    /// stale nonce, is answered use_dpop_nonce, and is retried once with the fresh one.
    func testAStaleNonceAtTheNextTokenRequestIsReplacedWithOneRetry() async throws {
        let authorizer = harness.helseID()
        let first = try await AuthHarness.headers(from: authorizer, url: harness.baseURL + "/ping")
        let answered = try await harness.nhnRequest("/ping", headers: first)
        XCTAssertEqual(answered.status, 200)
        await harness.simulator.expireAllTokens()
        await harness.simulator.expireAllNonces()
        let rejected = try await harness.nhnRequest("/ping", headers: first)
        XCTAssertEqual(rejected.status, 401)
        var request = HTTPClientRequest(url: harness.baseURL + "/ping")
        for (name, value) in first { request.headers.add(name: name, value: value) }
        await authorizer.credentialsRejected(request, answer: rejected.headers)

        let second = try await AuthHarness.headers(from: authorizer, url: harness.baseURL + "/ping")
        let renewed = try await harness.nhnRequest("/ping", headers: second)
        XCTAssertEqual(renewed.status, 200, renewed.body)
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["nhn"], 2)
        XCTAssertEqual(counters.nonceChallenges, 2, "the stale nonce was answered with a new one, once")
    }

    func testTokenRequestWithoutNonceIsAnsweredUseDPoPNonce() async throws {
        let assertion = try await ClientAssertionSigner(clientID: AuthHarness.clientID, key: harness.key)
            .helseIDAssertion(audience: harness.baseURL)
        let proof = try await DPoPProofSigner(key: harness.key).proof(method: "POST", url: harness.baseURL + "/connect/token")
        let reply = try await harness.postForm(
            "/connect/token", tokenForm(assertion), headers: [("DPoP", proof)])
        XCTAssertEqual(reply.status, 400)
        XCTAssertEqual(reply.json["error"] as? String, "use_dpop_nonce")
        let nonce = try XCTUnwrap(reply.headers.first(name: "DPoP-Nonce"))

        // Again with the nonce but the same assertion: HelseID (Duende) authenticates the client
        // before it looks at DPoP, so that assertion's jti was spent by the first request.
        let withNonce = try await DPoPProofSigner(key: harness.key).proof(
            method: "POST", url: harness.baseURL + "/connect/token", nonce: nonce)
        let replayed = try await harness.postForm("/connect/token", tokenForm(assertion), headers: [("DPoP", withNonce)])
        XCTAssertEqual(replayed.status, 400)
        XCTAssertEqual(replayed.json["error"] as? String, "invalid_client")
        XCTAssertTrue((replayed.json["error_description"] as? String ?? "").contains("replayed"), replayed.body)

        // A new assertion with a new proof carrying the nonce is what the retry must be.
        let fresh = try await ClientAssertionSigner(clientID: AuthHarness.clientID, key: harness.key)
            .helseIDAssertion(audience: harness.baseURL)
        let again = try await DPoPProofSigner(key: harness.key).proof(
            method: "POST", url: harness.baseURL + "/connect/token", nonce: nonce)
        let granted = try await harness.postForm("/connect/token", tokenForm(fresh), headers: [("DPoP", again)])
        XCTAssertEqual(granted.status, 200, granted.body)
        XCTAssertEqual(granted.json["token_type"] as? String, "DPoP")
        XCTAssertNotNil(granted.json["access_token"] as? String)
    }

    func tokenForm(_ assertion: String) -> [(String, String)] {
        [
            ("grant_type", "client_credentials"), ("client_id", AuthHarness.clientID),
            ("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
            ("client_assertion", assertion), ("scope", "nhn:msh/api"),
        ]
    }

    /// The assertion's audience, lifetime and expiry are checked, each with its reason.
    func testAssertionAudienceLifetimeAndExpiryAreChecked() async throws {
        let now = Int(Date().timeIntervalSince1970)
        let cases: [(ClientAssertionClaims, String)] = [
            (.init(iss: AuthHarness.clientID, sub: AuthHarness.clientID, aud: "https://elsewhere", jti: RandomID.make(), iat: now, nbf: now, exp: now + 30), "aud"),
            // The issuer is the audience, not the token endpoint.
            (.init(iss: AuthHarness.clientID, sub: AuthHarness.clientID, aud: harness.baseURL + "/connect/token", jti: RandomID.make(), iat: now, nbf: now, exp: now + 30), "aud"),
            (.init(iss: AuthHarness.clientID, sub: AuthHarness.clientID, aud: harness.baseURL, jti: RandomID.make(), iat: now - 300, nbf: now - 300, exp: now - 240), "expired"),
            (.init(iss: AuthHarness.clientID, sub: AuthHarness.clientID, aud: harness.baseURL, jti: RandomID.make(), iat: now, nbf: now, exp: now + 600), "longer than 60 s"),
            (.init(iss: AuthHarness.clientID, sub: "someone-else", aud: harness.baseURL, jti: RandomID.make(), iat: now, nbf: now, exp: now + 30), "sub"),
        ]
        for (claims, expected) in cases {
            let assertion = try await harness.key.sign(claims, type: "client-authentication+jwt", embedPublicKey: false)
            let reply = try await tokenRequest(assertion)
            XCTAssertEqual(reply.status, 400, expected)
            XCTAssertEqual(reply.json["error"] as? String, "invalid_client", expected)
            XCTAssertTrue((reply.json["error_description"] as? String ?? "").contains(expected), "\(expected): \(reply.body)")
        }
    }

    /// A token request with `assertion`: a bad one is refused before DPoP is looked at, so
    /// the nonce exchange never starts.
    func tokenRequest(_ assertion: String) async throws -> AuthHarness.Reply {
        let url = harness.baseURL + "/connect/token"
        let first = try await harness.postForm(
            "/connect/token", tokenForm(assertion), headers: [("DPoP", try await DPoPProofSigner(key: harness.key).proof(method: "POST", url: url))])
        guard let nonce = first.headers.first(name: "DPoP-Nonce") else { return first }
        let proof = try await DPoPProofSigner(key: harness.key).proof(method: "POST", url: url, nonce: nonce)
        return try await harness.postForm("/connect/token", tokenForm(assertion), headers: [("DPoP", proof)])
    }

    /// `POST /_sim/auth/clients` registers a public key as the portal would; a private one is refused.
    func testClientsAreRegisteredThroughTheInspectionAPI() async throws {
        let pair = try KeyGenerator.generate(.ec)
        let key = try await SigningKey(keyFile: pair.privateJWK)
        for (jwk, status) in [(pair.privateJWK, 400), (pair.publicJWK, 201)] {
            var request = HTTPClientRequest(url: harness.baseURL + "/_sim/auth/clients")
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            let body = #"{"clientId":"registered-later","jwk":"# + String(decoding: jwk, as: UTF8.self) + "}"
            request.body = .bytes(ByteBuffer(string: body))
            let reply = try await harness.send(request)
            XCTAssertEqual(reply.status, status, reply.body)
        }
        var settings = harness.helseIDSettings
        settings.clientID = "registered-later"
        let headers = try await AuthHarness.headers(
            from: HelseIDAuthorizer(settings: settings, key: key, httpClient: harness.client), url: harness.baseURL + "/ping")
        let reply = try await harness.nhnRequest("/ping", headers: headers)
        XCTAssertEqual(reply.status, 200, reply.body)
    }

    func testAKeyHelseIDDoesNotKnowIsRefusedAsCredentials() async throws {
        let stranger = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        var request = HTTPClientRequest(url: harness.baseURL + "/ping")
        do {
            try await harness.helseID(key: stranger).authorize(&request, method: "GET", url: harness.baseURL + "/ping")
            XCTFail("a token was issued for an unregistered key")
        } catch let error as AuthorizationError {
            guard case .credentialsRefused(let reason) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(reason.contains("HelseID refused"), reason)
            XCTAssertTrue(reason.contains("invalid_client"), reason)
            XCTAssertTrue(reason.contains("not registered"), reason)
        }
        XCTAssertNil(request.headers.first(name: "Authorization"))
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["nhn"] ?? 0, 0)
    }

    func testReplayedProofIsRefused() async throws {
        let headers = try await AuthHarness.headers(from: harness.helseID(), url: harness.baseURL + "/ping")
        let first = try await harness.nhnRequest("/ping", headers: headers)
        XCTAssertEqual(first.status, 200, first.body)
        let second = try await harness.nhnRequest("/ping", headers: headers)
        XCTAssertEqual(second.status, 401)
        let challenge = try XCTUnwrap(second.headers.first(name: "WWW-Authenticate"))
        XCTAssertTrue(challenge.hasPrefix("DPoP "), challenge)
        XCTAssertTrue(challenge.contains("error=\"invalid_dpop_proof\""), challenge)
        XCTAssertTrue(challenge.contains("replayed"), challenge)
    }

    func testProofMustMatchMethodURLWithoutQueryTokenAndKey() async throws {
        let authorizer = harness.helseID()
        // A proof for another method.
        let forPost = try await AuthHarness.headers(from: authorizer, method: "POST", url: harness.baseURL + "/ping")
        try await expectRefusal("/ping", forPost, "invalid_dpop_proof", mentioning: "htm")

        // The proof's htu carries the query string: refused (it must be the URL without it).
        let token = try XCTUnwrap(forPost.first { $0.0 == "Authorization" }?.1)
        let rawToken = String(token.dropFirst("DPoP ".count))
        let url = harness.baseURL + "/notifications?HerIds=1001"
        let queryClaims = DPoPProofClaims(
            jti: RandomID.make(), htm: "GET", htu: url, iat: Int(Date().timeIntervalSince1970),
            ath: DPoPProofSigner.accessTokenHash(rawToken), nonce: nil)
        let queryProof = try await harness.key.sign(queryClaims, type: "dpop+jwt", embedPublicKey: true)
        try await expectRefusal("/notifications?HerIds=1001", [("Authorization", token), ("DPoP", queryProof)], "invalid_dpop_proof", mentioning: "htu")

        // A proof whose ath is for another token.
        let otherAth = try await DPoPProofSigner(key: harness.key).proof(method: "GET", url: harness.baseURL + "/ping", accessToken: "other")
        try await expectRefusal("/ping", [("Authorization", token), ("DPoP", otherAth)], "invalid_dpop_proof", mentioning: "ath")

        // A proof signed by another key than the token is bound to.
        let otherKey = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        let foreign = try await DPoPProofSigner(key: otherKey).proof(method: "GET", url: harness.baseURL + "/ping", accessToken: rawToken)
        try await expectRefusal("/ping", [("Authorization", token), ("DPoP", foreign)], "invalid_token", mentioning: "cnf.jkt")

        // The token as a bearer token.
        let proof = try await DPoPProofSigner(key: harness.key).proof(method: "GET", url: harness.baseURL + "/ping", accessToken: rawToken)
        try await expectRefusal("/ping", [("Authorization", "Bearer " + rawToken), ("DPoP", proof)], "invalid_token", mentioning: "DPoP")

        // No credentials at all: a challenge without an error code.
        let bare = try await harness.nhnRequest("/ping", headers: [])
        XCTAssertEqual(bare.status, 401)
        XCTAssertEqual(bare.headers.first(name: "WWW-Authenticate")?.contains("error="), false)
    }

    /// An API takes a proof for a short while only (Duende's API defaults: 5 s plus 25 s of
    /// skew), not the token endpoint's minute: a proof signed long before it is sent is refused.
    func testAnAPIProofMustBeFresh() async throws {
        let headers = try await AuthHarness.headers(from: harness.helseID(), url: harness.baseURL + "/ping")
        let token = try XCTUnwrap(headers.first { $0.0 == "Authorization" }?.1)
        let rawToken = String(token.dropFirst("DPoP ".count))
        func proof(issuedSecondsAgo age: Int) async throws -> String {
            let claims = DPoPProofClaims(
                jti: RandomID.make(), htm: "GET", htu: harness.baseURL + "/ping", iat: Int(Date().timeIntervalSince1970) - age,
                ath: DPoPProofSigner.accessTokenHash(rawToken), nonce: nil)
            return try await harness.key.sign(claims, type: "dpop+jwt", embedPublicKey: true)
        }
        try await expectRefusal("/ping", [("Authorization", token), ("DPoP", try await proof(issuedSecondsAgo: 45))], "invalid_dpop_proof", mentioning: "iat")
        try await expectRefusal("/ping", [("Authorization", token), ("DPoP", try await proof(issuedSecondsAgo: -40))], "invalid_dpop_proof", mentioning: "iat")
        let recent = try await harness.nhnRequest("/ping", headers: [("Authorization", token), ("DPoP", try await proof(issuedSecondsAgo: 10))])
        XCTAssertEqual(recent.status, 200, recent.body)
    }

    /// `expires_in` is a number (RFC 6749 §5.1); a string holding one is read too, not taken
    /// as the one-minute fallback that would renew the token every few seconds.
    func testExpiresInAsAStringIsRead() throws {
        let endpoint = TokenEndpoint(service: "HelseID", url: harness.baseURL + "/connect/token", httpClient: harness.client, timeout: .seconds(5))
        let reply = TokenEndpoint.Reply(
            status: 200, headers: [:], body: Array(#"{"access_token":"t","token_type":"DPoP","expires_in":"3600"}"#.utf8))
        let token = try endpoint.token(from: reply, tokenType: "DPoP")
        XCTAssertEqual(token.expiresAt.timeIntervalSinceNow, 3600, accuracy: 5)
    }

    func testExpiredTokenIsRefusedAndRenewedAfterCredentialsRejected() async throws {
        let authorizer = harness.helseID()
        let url = harness.baseURL + "/ping"
        var request = HTTPClientRequest(url: url)
        try await authorizer.authorize(&request, method: "GET", url: url)
        await harness.simulator.expireAllTokens()
        let expired = try await harness.nhnRequest("/ping", headers: request.headers.map { ($0.name, $0.value) })
        XCTAssertEqual(expired.status, 401)
        XCTAssertTrue(expired.headers.first(name: "WWW-Authenticate")?.contains("expired") == true)

        // After a 401 the authorizer forgets that token and gets a new one.
        await authorizer.credentialsRejected(request, answer: ["WWW-Authenticate": "DPoP error=\"invalid_token\""])
        let renewed = try await AuthHarness.headers(from: authorizer, url: url)
        let reply = try await harness.nhnRequest("/ping", headers: renewed)
        XCTAssertEqual(reply.status, 200, reply.body)
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["nhn"], 2)
    }

    func testShortLivedTokensAreRenewedBeforeTheyExpire() async throws {
        try await harness.shutDown()
        harness = try await AuthHarness.start(accessTokenSeconds: 1)
        let authorizer = harness.helseID()
        let url = harness.baseURL + "/ping"
        let first = try await AuthHarness.headers(from: authorizer, url: url)
        // Renewal starts at 80 % of the lifetime; wait until then (bounded).
        let deadline = ContinuousClock.now + .seconds(10)
        var renewed = false
        while !renewed, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(100))
            let next = try await AuthHarness.headers(from: authorizer, url: url)
            renewed = next.first { $0.0 == "Authorization" }?.1 != first.first { $0.0 == "Authorization" }?.1
            if renewed {
                let reply = try await harness.nhnRequest("/ping", headers: next)
                XCTAssertEqual(reply.status, 200, reply.body)
            }
        }
        XCTAssertTrue(renewed)
    }

    func expectRefusal(
        _ path: String, _ headers: [(String, String)], _ code: String, mentioning: String,
        file: StaticString = #filePath, line: UInt = #line
    ) async throws {
        let reply = try await harness.nhnRequest(path, headers: headers)
        XCTAssertEqual(reply.status, 401, reply.body, file: file, line: line)
        let challenge = reply.headers.first(name: "WWW-Authenticate") ?? ""
        XCTAssertTrue(challenge.contains("error=\"\(code)\""), challenge, file: file, line: line)
        XCTAssertTrue(challenge.contains(mentioning), challenge, file: file, line: line)
    }
}
