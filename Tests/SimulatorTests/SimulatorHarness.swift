import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import XCTest
import Auth

@testable import Simulator

/// A running simulator on a loopback port plus an HTTP client pointed at it.
struct SimulatorHarness {
    static let own = 1001
    static let ownOther = 1003
    static let ownParent = 1000
    static let foreign = 2002

    let simulator: NHNSimulator
    let client: HTTPClient
    let baseURL: String
    /// A real HelseID client of the simulator: NHN calls carry a token and a DPoP proof.
    let authorizer: HelseIDAuthorizer
    static let clientID = "simulator-tests"

    /// A simulator whose own HER-ids are already configured (as `PUT /mshconfigurations` leaves
    /// them), unless `configured` is false.
    static func start(
        maxRequestBytes: Int = 64 * 1024, faults: FaultSettings = FaultSettings(), configured: Bool = true
    ) async throws -> SimulatorHarness {
        var logger = Logger(label: "simulator-tests")
        logger.logLevel = .warning
        let settings = SimulatorSettings(
            ownHerIds: [own, ownOther], counterpartyHerIds: [foreign], maxRequestBytes: maxRequestBytes,
            faults: faults)
        let simulator = NHNSimulator(settings: settings, logger: logger)
        if configured { await simulator.preconfigure(herIds: [own, ownOther]) }
        return try await running(simulator)
    }

    /// Starts `simulator` and registers a fresh key for the harness's HelseID client.
    static func running(_ simulator: NHNSimulator) async throws -> SimulatorHarness {
        let port = try await simulator.start(host: "127.0.0.1", port: 0)
        // A client of our own: a dropped connection must not poison a pool other tests share.
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let baseURL = "http://127.0.0.1:\(port)"
        let key = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        await simulator.register(RegisteredClient(clientID: clientID, publicKey: key.publicJWK, keyID: key.keyID))
        let authorizer = HelseIDAuthorizer(
            settings: HelseIDSettings(tokenEndpoint: baseURL + "/connect/token", issuer: baseURL, clientID: clientID, scope: "nhn:msh/api"),
            key: key, httpClient: client)
        return SimulatorHarness(simulator: simulator, client: client, baseURL: baseURL, authorizer: authorizer)
    }

    /// Adds the token and a fresh DPoP proof, as a correct client does.
    func authorize(_ request: inout HTTPClientRequest) async throws {
        try await authorizer.authorize(&request, method: request.method.rawValue, url: DPoPProofSigner.htu(request.url))
    }

    func shutDown() async throws {
        try await client.shutdown()
        await simulator.stop()
    }

    /// The NHN headers a correct client sends.
    static let nhnHeaders: [(String, String)] = [
        ("api-version", "3"), ("nhn-source-system", "dropbridge-tests 1.0"),
        ("Content-Type", "application/json"), ("Accept", "application/json"),
    ]

    struct Reply {
        var status: Int
        var headers: [(String, String)]
        var body: Data

        func header(_ name: String) -> String? {
            headers.first { $0.0.lowercased() == name.lowercased() }?.1
        }

        var json: [String: Any]? { (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] }
        var validationErrors: [String] { json?["validationErrors"] as? [String] ?? [] }
        var errorCode: Int? { json?["errorCode"] as? Int }
    }

    func request(
        _ method: HTTPMethod, _ path: String, headers: [(String, String)] = nhnHeaders, body: HTTPClientRequest.Body? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = body
        if !path.hasPrefix("/_sim") { try await authorize(&request) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
        return Reply(
            status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
            body: Data(buffer: bytes))
    }

    func post(_ path: String, json: [String: Any], headers: [(String, String)] = nhnHeaders) async throws -> Reply {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await request(.POST, path, headers: headers, body: .bytes(ByteBuffer(bytes: data)))
    }

    func sendMessage(_ json: [String: Any], headers: [(String, String)] = nhnHeaders) async throws -> Reply {
        try await post("/messages", json: json, headers: headers)
    }

    func simMessages(msgId: String? = nil) async throws -> [ReceivedMessage] {
        let path = msgId.map { "/_sim/messages?msgId=\($0)" } ?? "/_sim/messages"
        let reply = try await request(.GET, path, headers: [])
        XCTAssertEqual(reply.status, 200)
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode([ReceivedMessage].self, from: reply.body)
    }
}

/// Small MsgHead documents written for these tests.
enum TestDocuments {
    static func msgHead(
        msgId: String = "msg-1", type: String = "DIALOG_HELSEFAGLIG", senderHerId: Int = SimulatorHarness.own,
        receiverHerId: Int = SimulatorHarness.foreign
    ) -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <MsgHead xmlns="http://www.kith.no/xmlstds/msghead/2006-05-24">
          <MsgInfo>
            <Type V="\(type)" DN="Helsefaglig dialog"/>
            <MIGversion>v1.2 2006-05-24</MIGversion>
            <GenDate>2025-01-01T10:00:00</GenDate>
            <MsgId>\(msgId)</MsgId>
            <Sender>
              <Organisation>
                <OrganisationName>Testlegen AS</OrganisationName>
                <Ident><Id>\(SimulatorHarness.ownParent)</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.9051" DN="HER-id"/></Ident>
                <Organisation>
                  <OrganisationName>Legekontoret</OrganisationName>
                  <Ident><Id>\(senderHerId)</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.9051" DN="HER-id"/></Ident>
                </Organisation>
              </Organisation>
            </Sender>
            <Receiver>
              <Organisation>
                <OrganisationName>Mottaker</OrganisationName>
                <Ident><Id>\(receiverHerId)</Id><TypeId V="HER" S="2.16.578.1.12.4.1.1.9051" DN="HER-id"/></Ident>
              </Organisation>
            </Receiver>
          </MsgInfo>
        </MsgHead>
        """
    }

    static func sendBody(
        document: String = msgHead(), senderHerId: Any = SimulatorHarness.own,
        receiverHerIds: Any = [SimulatorHarness.foreign], type: String = "DIALOG_HELSEFAGLIG"
    ) -> [String: Any] {
        [
            "senderHerId": senderHerId,
            "receiverHerIds": receiverHerIds,
            "businessDocument": Data(document.utf8).base64EncodedString(),
            "contentType": "application/xml",
            "contentTransferEncoding": "base64",
            "messageTypeIdentificator": type,
            "applicationName": "dropbridge-tests",
            "applicationVersion": "1.0",
        ]
    }
}

/// A test case with a simulator of its own per test (`SimulatorHarness.start()`).
class SimulatorTestCase: XCTestCase {
    var harness: SimulatorHarness!

    override func setUp() async throws {
        harness = try await SimulatorHarness.start()
    }

    override func tearDown() async throws {
        try await harness?.shutDown()
        harness = nil
    }
}

/// A dropped connection, not an HTTP answer: an RST (`IOError` ECONNRESET) or an EOF.
func assertConnectionError(_ error: any Error, file: StaticString = #filePath, line: UInt = #line) {
    let isReset = (error as? IOError)?.errnoCode == ECONNRESET
    let isClosed = (error as? HTTPClientError) == .remoteConnectionClosed
    XCTAssertTrue(isReset || isClosed, "not a connection error: \(error)", file: file, line: line)
}
