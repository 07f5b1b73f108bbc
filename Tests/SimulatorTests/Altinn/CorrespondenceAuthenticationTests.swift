import AsyncHTTPClient
import Auth
import Foundation
import XCTest

@testable import Simulator

/// Every Correspondence call needs an Altinn token the simulated exchange issued, unexpired to
/// the second, with the call's scope; the Accept rule; nothing is created when refused.
final class CorrespondenceAuthenticationTests: AltinnTestCase {
    func assertUnauthenticated(_ reply: AltinnHarness.Reply, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(reply.status, 401, reply.text, file: file, line: line)
        XCTAssertTrue(reply.headers.first(name: "WWW-Authenticate")?.hasPrefix("Bearer") == true, file: file, line: line)
        XCTAssertTrue(reply.body.isEmpty, "a 401 has no body", file: file, line: line)
    }

    func testEveryRouteRefusesACallWithoutOrWithAnUnknownToken() async throws {
        let id = UUID().uuidString
        for token in [AltinnHarness.Token.none, .value("not-a-token"), .value("sim-altinn-made-up")] {
            assertUnauthenticated(try await harness.upload(.valid(), token: token))
            assertUnauthenticated(try await harness.request(.POST, AltinnHarness.base, token: token, body: Array("{}".utf8)))
            assertUnauthenticated(try await harness.request(.GET, AltinnHarness.base + "?role=Sender", token: token))
            assertUnauthenticated(try await harness.request(.GET, AltinnHarness.base + "/" + id, token: token))
            assertUnauthenticated(try await harness.request(.GET, AltinnHarness.base + "/" + id + "/details", token: token))
        }
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertTrue(received.isEmpty)
    }

    func testAnExpiredTokenIs401AndANewOneFromTheExchangeWorks() async throws {
        let token = try await harness.token()
        let first = try await harness.upload(.valid(), token: .value(token))
        XCTAssertEqual(first.status, 200, first.text)
        await harness.simulator.expireAllTokens()
        let expired = try await harness.upload(.valid(), token: .value(token))
        assertUnauthenticated(expired)
        XCTAssertTrue(expired.headers.first(name: "WWW-Authenticate")?.contains("expired") == true)

        // The client learns of the refusal and renews: a new grant, a new exchange.
        var rejected = HTTPClientRequest(url: harness.baseURL)
        rejected.headers.add(name: "Authorization", value: "Bearer \(token)")
        await harness.authorizer.credentialsRejected(rejected, answer: [:])
        let renewed = try await harness.token()
        XCTAssertNotEqual(renewed, token)
        let second = try await harness.upload(.valid(), token: .value(renewed))
        XCTAssertEqual(second.status, 200, second.text)
    }

    func testATokenWithoutTheWriteScopeIsForbiddenWithoutABody() async throws {
        let reader = try await AltinnHarness.start(scope: "altinn:events.subscribe altinn:serviceowner")
        defer { Task { try? await reader.shutDown() } }
        let reply = try await reader.upload(.valid())
        XCTAssertEqual(reply.status, 403)
        XCTAssertTrue(reply.body.isEmpty)
        let received = await reader.simulator.receivedCorrespondences()
        XCTAssertTrue(received.isEmpty)
        try await reader.shutDown()
    }

    func testARawMaskinportenTokenIsAcceptedOnlyWithServiceOwnerAndWrite() async throws {
        let maskinporten = try await maskinportenToken(scope: "altinn:correspondence.write altinn:serviceowner")
        let accepted = try await harness.upload(.valid(), token: .value(maskinporten))
        XCTAssertEqual(accepted.status, 200, accepted.text)
        let writeOnly = try await maskinportenToken(scope: "altinn:correspondence.write")
        let refused = try await harness.upload(.valid(), token: .value(writeOnly))
        XCTAssertEqual(refused.status, 403)
    }

    func testAnAcceptHeaderThatAdmitsNoJSONIs406InPlainText() async throws {
        let refused = try await harness.upload(.valid(), headers: [("Accept", "application/problem+json")])
        XCTAssertEqual(refused.status, 406)
        XCTAssertTrue(refused.headers.first(name: "Content-Type")?.hasPrefix("text/plain") == true)
        for accept in ["*/*", "application/json; charset=utf-8", "text/html, application/json;q=0.9"] {
            let reply = try await harness.upload(.valid(), headers: [("Accept", accept)])
            XCTAssertEqual(reply.status, 200, "\(accept): \(reply.text)")
        }
        let withoutAccept = try await harness.upload(.valid(), headers: [])
        XCTAssertEqual(withoutAccept.status, 200, "a missing Accept is fine")
    }

    func testAnotherClientCannotReadTheCorrespondence() async throws {
        let created = try await harness.upload(.valid())
        let id = try XCTUnwrap(created.correspondences.first?["correspondenceId"] as? String)
        let other = try await maskinportenToken(
            scope: "altinn:correspondence.write altinn:serviceowner", clientID: "another-owner")
        let reply = try await harness.request(.GET, AltinnHarness.base + "/" + id, token: .value(other))
        XCTAssertEqual(reply.status, 401)
        XCTAssertEqual(reply.errorCode, 4001)
    }

    /// A Maskinporten token straight from the grant (no exchange).
    private func maskinportenToken(scope: String, clientID: String = AltinnHarness.clientID) async throws -> String {
        if clientID != AltinnHarness.clientID {
            await harness.simulator.register(
                RegisteredClient(clientID: clientID, publicKey: harness.key.publicJWK, keyID: harness.key.keyID))
        }
        let assertion = try await ClientAssertionSigner(clientID: clientID, key: harness.key)
            .maskinportenGrant(audience: harness.baseURL + "/maskinporten/", scope: scope)
        var request = HTTPClientRequest(url: harness.baseURL + "/maskinporten/token")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        let form = "grant_type=urn%3Aietf%3Aparams%3Aoauth%3Agrant-type%3Ajwt-bearer&assertion=\(assertion)"
        request.body = .bytes(.init(string: form))
        let response = try await harness.client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])
        return try XCTUnwrap(json["access_token"] as? String, "\(json)")
    }
}
