import AsyncHTTPClient
import Auth
import Bridge
import Foundation
import Logging
import NHNClient
import Simulator
import XCTest

/// The client against the simulator's strict readings of the real rules: what a fake NHN and
/// HelseID written from their documentation (RFC 9449, NHN's stream page) would demand.
final class ConformanceTests: XCTestCase {
    /// The NHN client with a real HelseID authorizer against a simulator with `authentication`.
    private func client(_ authentication: AuthenticationSettings) async throws -> (NHNClient, NHNSimulator) {
        var logger = Logger(label: "conformance-tests")
        logger.logLevel = .warning
        let key = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        var authentication = authentication
        authentication.clients = [RegisteredClient(clientID: "conformance", publicKey: key.publicJWK, keyID: key.keyID)]
        let simulator = NHNSimulator(settings: SimulatorSettings(ownHerIds: [8143060], authentication: authentication), logger: logger)
        let port = try await simulator.start()
        let http = HTTPClient(eventLoopGroupProvider: .singleton)
        addTeardownBlock {
            try? await http.shutdown()
            await simulator.stop()
        }
        let base = "http://127.0.0.1:\(port)"
        let authorizer = HelseIDAuthorizer(
            settings: HelseIDSettings(tokenEndpoint: base + "/connect/token", issuer: base, clientID: "conformance", scope: "nhn:msh/api"),
            key: key, httpClient: http)
        let client = NHNClient(
            endpoint: NHNEndpoint(baseURL: base, sourceSystem: "dropbridge-tests, v0", applicationName: "dropbridge", applicationVersion: "0"),
            httpClient: http, authorizer: authorizer, logger: logger)
        return (client, simulator)
    }

    /// RFC 9449 §9: a server may hand out its next nonce with any answer, and the client must
    /// use the newest. A client that keeps the nonce of its last refusal is refused
    /// `use_dpop_nonce` (and retries) on every call once the server rotates.
    func testANonceHandedOutWithAnAnswerIsUsedOnTheNextCall() async throws {
        let (client, simulator) = try await client(AuthenticationSettings(nhnDemandsNonce: true, nhnRotatesNonce: true))
        for call in 1...3 {
            guard case .pong = await client.ping() else { return XCTFail("ping \(call) failed") }
        }
        let counters = await simulator.authCounters()
        XCTAssertEqual(counters.nonceChallenges, 2, "one from HelseID, one from NHN on the first call only")
        XCTAssertEqual(counters.noncesRotated, 3)
        XCTAssertEqual(counters.proofsAccepted, 3)
        XCTAssertEqual(counters.refusals, [])
    }

    /// A notification stream answered 204 (no events, not even `connected`) delivers nothing
    /// however often it is reopened: the bridge polls meanwhile, so the message still arrives.
    func testAStreamThatEndsWithoutAnyEventIsPolledMeanwhile() async throws {
        let harness = try await BridgeHarness { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = .stream
            config.nhn.pollSeconds = 1
        }
        addTeardownBlock { await harness.shutdown() }
        await harness.simulator.setStreamSettings(StreamSettings(heartbeatSeconds: 1, refuseWithStatus: 204))
        try await harness.start()
        let id = try await harness.simulator.inject(
            InjectRequest(
                senderHerId: 8094866, receiverHerIds: [8143060],
                document: String(decoding: try OutboxTests.msgHead(msgId: "empty-stream-1", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        try await harness.waitUntil("received by polling while the stream ends empty") {
            FileManager.default.fileExists(atPath: harness.config.folders.inbox + "/\(id).json")
        }
        XCTAssertEqual(try harness.ledger.receiveState()?.state, "polling", "status says it polls")
    }
}
