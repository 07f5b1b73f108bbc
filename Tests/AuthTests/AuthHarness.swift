import AsyncHTTPClient
import Auth
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import Simulator
import XCTest

/// The simulator on loopback with one registered client (an EC key) and an HTTP client.
struct AuthHarness: Sendable {
    static let clientID = "auth-tests"

    let simulator: NHNSimulator
    let client: HTTPClient
    let baseURL: String
    let key: SigningKey

    static func start(accessTokenSeconds: Int = 600) async throws -> AuthHarness {
        var logger = Logger(label: "auth-tests")
        logger.logLevel = .warning
        let key = try await SigningKey(keyFile: try KeyGenerator.generate(.ec).privateJWK)
        let simulator = NHNSimulator(
            settings: SimulatorSettings(
                ownHerIds: [1001],
                authentication: AuthenticationSettings(
                    accessTokenSeconds: accessTokenSeconds,
                    clients: [RegisteredClient(clientID: clientID, publicKey: key.publicJWK, keyID: key.keyID)])),
            logger: logger)
        let port = try await simulator.start()
        return AuthHarness(
            simulator: simulator, client: HTTPClient(eventLoopGroupProvider: .singleton),
            baseURL: "http://127.0.0.1:\(port)", key: key)
    }

    func shutDown() async throws {
        try await client.shutdown()
        await simulator.stop()
    }

    var helseIDSettings: HelseIDSettings {
        HelseIDSettings(tokenEndpoint: baseURL + "/connect/token", issuer: baseURL, clientID: Self.clientID, scope: "nhn:msh/api")
    }

    func helseID(key: SigningKey? = nil) -> HelseIDAuthorizer {
        HelseIDAuthorizer(settings: helseIDSettings, key: key ?? self.key, httpClient: client)
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: String

        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: Data(body.utf8))) as? [String: Any]) ?? [:] }
    }

    /// `GET /ping` (or another NHN path) with whatever headers the test gives.
    func nhnRequest(_ path: String, method: HTTPMethod = .GET, headers: [(String, String)]) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "api-version", value: "3")
        request.headers.add(name: "nhn-source-system", value: "auth-tests")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        return try await send(request)
    }

    func send(_ request: HTTPClientRequest) async throws -> Reply {
        let response = try await client.execute(request, timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 1 << 20)
        return Reply(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    }

    /// A form POST to a token endpoint.
    func postForm(_ path: String, _ fields: [(String, String)], headers: [(String, String)] = []) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        let body = fields.map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        return try await send(request)
    }

    /// Headers `authorizer` puts on a request for `url`.
    static func headers(from authorizer: some RequestAuthorizer, method: String = "GET", url: String) async throws -> [(String, String)] {
        var request = HTTPClientRequest(url: url)
        try await authorizer.authorize(&request, method: method, url: DPoPProofSigner.htu(url))
        return request.headers.map { ($0.name, $0.value) }
    }
}

/// The decoded parts of a compact JWS, for looking inside what we sent.
struct DecodedJWS {
    var header: [String: Any]
    var claims: [String: Any]

    init(_ token: String) throws {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false).map(String.init)
        XCTAssertEqual(parts.count, 3)
        func object(_ part: String) throws -> [String: Any] {
            let bytes = try XCTUnwrap(Base64URL.decode(part))
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
        }
        header = try object(parts[0])
        claims = try object(parts[1])
    }
}
