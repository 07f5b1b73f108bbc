import AsyncHTTPClient
@testable import Auth
import Foundation
import JWTKit
import Simulator
import XCTest

/// Maskinporten's JWT grant and Altinn's token exchange against the simulator.
final class MaskinportenTests: XCTestCase {
    var harness: AuthHarness!
    /// Maskinporten takes RSA (RS256/384/512) only.
    var rsaKey: SigningKey!
    static let rsaClient = "maskinporten-tests"

    override func setUp() async throws {
        harness = try await AuthHarness.start()
        rsaKey = try await SigningKey(keyFile: try KeyGenerator.generate(.rsa).privateJWK, algorithm: .rs256)
        await harness.simulator.register(RegisteredClient(clientID: Self.rsaClient, publicKey: rsaKey.publicJWK, keyID: rsaKey.keyID))
    }

    override func tearDown() async throws {
        try await harness.shutDown()
    }

    func settings(clientID: String = rsaClient, scope: String = "altinn:correspondence.write altinn:serviceowner") -> MaskinportenSettings {
        MaskinportenSettings(
            tokenEndpoint: harness.baseURL + "/maskinporten/token", audience: harness.baseURL + "/maskinporten/",
            clientID: clientID, scope: scope, altinnBaseURL: harness.baseURL + "/")
    }

    func testGrantThenExchangeGivesABearerAltinnTokenCachedForLaterCalls() async throws {
        let authorizer = AltinnAuthorizer(settings: settings(), key: rsaKey, httpClient: harness.client)
        let url = harness.baseURL + "/correspondence/api/v1/correspondence"
        let first = try await AuthHarness.headers(from: authorizer, method: "POST", url: url)
        let authorization = try XCTUnwrap(first.first { $0.0 == "Authorization" }?.1)
        XCTAssertTrue(authorization.hasPrefix("Bearer "), authorization)
        // The Altinn token is a JWT whose exp dropbridge read.
        let jwt = try DecodedJWS(String(authorization.dropFirst("Bearer ".count)))
        XCTAssertNotNil(jwt.claims["exp"])
        XCTAssertEqual(jwt.claims["scope"] as? String, "altinn:correspondence.write altinn:serviceowner")

        let second = try await AuthHarness.headers(from: authorizer, method: "POST", url: url)
        XCTAssertEqual(second.first { $0.0 == "Authorization" }?.1, authorization)
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["maskinporten"], 1)
        XCTAssertEqual(counters.tokensIssued["altinn"], 1)

        // After a 401 from Altinn the Altinn token is renewed (the Maskinporten token is still good).
        var rejected = HTTPClientRequest(url: url)
        rejected.headers.add(name: "Authorization", value: authorization)
        await authorizer.credentialsRejected(rejected, answer: [:])
        let third = try await AuthHarness.headers(from: authorizer, method: "POST", url: url)
        XCTAssertNotEqual(third.first { $0.0 == "Authorization" }?.1, authorization)
        let after = await harness.simulator.authCounters()
        XCTAssertEqual(after.tokensIssued["maskinporten"], 1)
        XCTAssertEqual(after.tokensIssued["altinn"], 2)
    }

    func testUnknownClientUngrantedScopeAndNonRSAKeysAreRefusedAsCredentials() async throws {
        for (settings, key, expected) in [
            (settings(clientID: "nobody"), rsaKey!, "unknown client"),
            (settings(scope: "altinn:everything"), rsaKey!, "invalid_scope"),
            // The harness's EC client: Maskinporten refuses ES256 grants.
            (settings(clientID: AuthHarness.clientID), harness.key, "alg ES256 is not accepted"),
        ] {
            var request = HTTPClientRequest(url: harness.baseURL + "/x")
            do {
                try await AltinnAuthorizer(settings: settings, key: key, httpClient: harness.client)
                    .authorize(&request, method: "GET", url: harness.baseURL + "/x")
                XCTFail("a token was issued: \(expected)")
            } catch let error as AuthorizationError {
                guard case .credentialsRefused(let reason) = error else { return XCTFail("\(error)") }
                XCTAssertTrue(reason.contains("Maskinporten refused"), reason)
                XCTAssertTrue(reason.contains(expected), reason)
            }
        }
    }

    /// Maskinporten takes `iat` within 10 s of its clock only.
    func testAGrantIssuedLongAgoIsRefused() async throws {
        let now = Int(Date().timeIntervalSince1970)
        let claims = ClientAssertionClaims(
            iss: Self.rsaClient, sub: nil, aud: harness.baseURL + "/maskinporten/", jti: RandomID.make(), iat: now - 60,
            nbf: nil, exp: now + 30, scope: "altinn:serviceowner")
        let grant = try await rsaKey.sign(claims, type: "JWT", embedPublicKey: false)
        let reply = try await harness.postForm(
            "/maskinporten/token", [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", grant)])
        XCTAssertEqual(reply.status, 400)
        XCTAssertEqual(reply.json["error"] as? String, "invalid_grant")
        XCTAssertTrue((reply.json["error_description"] as? String ?? "").contains("iat"), reply.body)
    }

    /// Maskinporten answers "Invalid assertion" to any claim it does not document (`sub`, `nbf`:
    /// what a HelseID assertion carries) and to `aud` as a list; dropbridge's own grant carries
    /// the documented claims only.
    func testAGrantWithUndocumentedClaimsOrAnAudienceListIsRefused() async throws {
        struct ListAudienceClaims: JWTPayload {
            var iss: String, aud: [String], jti: String, iat: Int, exp: Int, scope: String
            func verify(using algorithm: some JWTAlgorithm) async throws {}
        }
        let now = Int(Date().timeIntervalSince1970)
        let audience = harness.baseURL + "/maskinporten/"
        let withSubject = try await rsaKey.sign(
            ClientAssertionClaims(
                iss: Self.rsaClient, sub: Self.rsaClient, aud: audience, jti: RandomID.make(), iat: now, nbf: now,
                exp: now + 30, scope: "altinn:serviceowner"),
            type: "JWT", embedPublicKey: false)
        let withList = try await rsaKey.sign(
            ListAudienceClaims(iss: Self.rsaClient, aud: [audience], jti: RandomID.make(), iat: now, exp: now + 30, scope: "altinn:serviceowner"),
            type: "JWT", embedPublicKey: false)
        for (grant, expected) in [(withSubject, "nbf, sub"), (withList, "aud must be one string")] {
            let reply = try await harness.postForm(
                "/maskinporten/token", [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", grant)])
            XCTAssertEqual(reply.status, 400, reply.body)
            XCTAssertEqual(reply.json["error"] as? String, "invalid_grant")
            let description = reply.json["error_description"] as? String ?? ""
            XCTAssertTrue(description.contains("Invalid assertion") && description.contains(expected), reply.body)
        }
        // dropbridge's grant: iss, aud (one string), jti, iat, exp, scope and nothing else.
        let ours = try await ClientAssertionSigner(clientID: Self.rsaClient, key: rsaKey)
            .maskinportenGrant(audience: audience, scope: "altinn:serviceowner")
        let claims = try DecodedJWS(ours).claims
        XCTAssertEqual(Set(claims.keys), ["iss", "aud", "jti", "iat", "exp", "scope"])
        XCTAssertEqual(claims["aud"] as? String, audience)
        let reply = try await harness.postForm(
            "/maskinporten/token", [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", ours)])
        XCTAssertEqual(reply.status, 200, reply.body)
    }

    /// The exchange's body is the Altinn JWT: plain text, or a JSON string when the client asks
    /// for JSON only; dropbridge asks for text and reads either.
    func testExchangeAnswersPlainTextOrAJSONStringAndBothAreRead() async throws {
        let grant = try await ClientAssertionSigner(clientID: Self.rsaClient, key: rsaKey)
            .maskinportenGrant(audience: harness.baseURL + "/maskinporten/", scope: "altinn:correspondence.write altinn:serviceowner")
        let granted = try await harness.postForm(
            "/maskinporten/token", [("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", grant)])
        let maskinportenToken = try XCTUnwrap(granted.json["access_token"] as? String)
        for (accept, quoted) in [("text/plain", false), ("application/json", true), ("*/*", false)] {
            var request = HTTPClientRequest(url: harness.baseURL + "/authentication/api/v1/exchange/maskinporten")
            request.headers.add(name: "Authorization", value: "Bearer \(maskinportenToken)")
            request.headers.add(name: "Accept", value: accept)
            let reply = try await harness.send(request)
            XCTAssertEqual(reply.status, 200, reply.body)
            XCTAssertEqual(reply.body.hasPrefix("\""), quoted, accept)
            let token = try AltinnAuthorizer.altinnToken(
                from: TokenEndpoint.Reply(status: 200, headers: reply.headers, body: Array(reply.body.utf8)))
            XCTAssertEqual(token.value.split(separator: ".").count, 3, accept)
            XCTAssertFalse(token.value.contains("\""), accept)
        }
    }

    func testExchangeNeedsAValidMaskinportenToken() async throws {
        var request = HTTPClientRequest(url: harness.baseURL + "/authentication/api/v1/exchange/maskinporten")
        request.headers.add(name: "Authorization", value: "Bearer made-up")
        let reply = try await harness.send(request)
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.json["error"] as? String, "invalid_token")
    }
}
