import AsyncHTTPClient
import Auth
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import XCTest

@testable import Simulator

/// A running simulator whose Correspondence routes are called as a real sender calls them:
/// an Altinn token from a Maskinporten grant signed with a registered RSA key, exchanged at
/// the simulated Altinn platform.
struct AltinnHarness {
    static let clientID = "altinn-sim-tests"
    static let resourceId = "dropbridge-correspondence"
    static let base = "/correspondence/api/v1/correspondence"

    let simulator: NHNSimulator
    let client: HTTPClient
    let baseURL: String
    let authorizer: AltinnAuthorizer
    let key: SigningKey

    /// RSA key generation is slow; one key serves every test.
    private static let sharedKey = Task { try await SigningKey(keyFile: try KeyGenerator.generate(.rsa).privateJWK, algorithm: .rs256) }

    static func start(
        _ correspondence: CorrespondenceSettings = fast(), accessTokenSeconds: Int = 600,
        scope: String = "altinn:correspondence.write altinn:serviceowner"
    ) async throws -> AltinnHarness {
        var logger = Logger(label: "altinn-sim-tests")
        logger.logLevel = .warning
        let key = try await sharedKey.value
        let simulator = NHNSimulator(
            settings: SimulatorSettings(
                ownHerIds: [1001],
                authentication: AuthenticationSettings(
                    accessTokenSeconds: accessTokenSeconds,
                    clients: [RegisteredClient(clientID: clientID, publicKey: key.publicJWK, keyID: key.keyID)]),
                correspondence: correspondence),
            logger: logger)
        let port = try await simulator.start()
        let baseURL = "http://127.0.0.1:\(port)"
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let authorizer = AltinnAuthorizer(
            settings: MaskinportenSettings(
                tokenEndpoint: baseURL + "/maskinporten/token", audience: baseURL + "/maskinporten/", clientID: clientID,
                scope: scope, altinnBaseURL: baseURL),
            key: key, httpClient: client)
        return AltinnHarness(simulator: simulator, client: client, baseURL: baseURL, authorizer: authorizer, key: key)
    }

    /// Settings whose statuses move within a fraction of a second, with readers who never read
    /// unless a test says so (`readSeconds` nil) when `reads` is false.
    static func fast(
        reads: Bool = false, failing: [String: String] = [:], reserved: Set<String> = [], unknown: Set<String> = [],
        maxAttachmentBytes: Int = 1_000_000, maxRequestBytes: Int = 2_000_000
    ) -> CorrespondenceSettings {
        CorrespondenceSettings(
            resourceIds: [resourceId], confidentialResourceIds: ["confidential-resource"], unknownRecipients: unknown,
            reservedRecipients: reserved, failingRecipients: failing, scanSeconds: 0.1, readSeconds: reads ? 0.1 : nil,
            confirmSeconds: reads ? 0.1 : nil, maxAttachmentBytes: maxAttachmentBytes, maxRequestBytes: maxRequestBytes)
    }

    func shutDown() async throws {
        try await client.shutdown()
        await simulator.stop()
    }

    /// The Altinn token the exchange hands out.
    func token() async throws -> String {
        var request = HTTPClientRequest(url: baseURL + Self.base)
        try await authorizer.authorize(&request, method: "GET", url: baseURL + Self.base)
        let header = try XCTUnwrap(request.headers.first(name: "Authorization"))
        return String(header.dropFirst("Bearer ".count))
    }

    struct Reply {
        var status: Int
        var headers: HTTPHeaders
        var body: Data

        var text: String { String(decoding: body, as: UTF8.self) }
        var json: [String: Any] { ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any]) ?? [:] }
        var errorCode: Int? { json["errorCode"] as? Int }
        /// The legacy `errors` dictionary of a validation problem.
        var validationErrors: [String: [String]] { json["errors"] as? [String: [String]] ?? [:] }
        var correspondences: [[String: Any]] { json["correspondences"] as? [[String: Any]] ?? [] }
        var ids: [String] { json["ids"] as? [String] ?? [] }
    }

    enum Token {
        /// A fresh Altinn token from the exchange.
        case altinn
        case none
        case value(String)
    }

    func request(
        _ method: HTTPMethod, _ path: String, token: Token = .altinn,
        headers: [(String, String)] = [("Accept", "application/json")], body: [UInt8]? = nil
    ) async throws -> Reply {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        switch token {
        case .altinn: request.headers.add(name: "Authorization", value: "Bearer \(try await self.token())")
        case .value(let value): request.headers.add(name: "Authorization", value: "Bearer \(value)")
        case .none: break
        }
        if let body { request.body = .bytes(ByteBuffer(bytes: body)) }
        let response = try await client.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 10 * 1024 * 1024)
        return Reply(status: Int(response.status.code), headers: response.headers, body: Data(buffer: bytes))
    }

    /// `POST …/upload` with these form fields and files.
    func upload(
        _ form: MultipartBody, token: Token = .altinn, headers: [(String, String)] = [("Accept", "application/json")]
    ) async throws -> Reply {
        try await request(
            .POST, Self.base + "/upload", token: token,
            headers: headers + [("Content-Type", "multipart/form-data; boundary=\(form.boundary)")], body: form.bytes)
    }

    func initialize(_ json: [String: Any], token: Token = .altinn) async throws -> Reply {
        try await request(
            .POST, Self.base, token: token, headers: [("Accept", "application/json"), ("Content-Type", "application/json")],
            body: Array(try JSONSerialization.data(withJSONObject: json)))
    }

    func overview(_ id: String, details: Bool = false) async throws -> Reply {
        try await request(.GET, Self.base + "/" + id + (details ? "/details" : ""))
    }

    /// Polls the overview until `condition` holds, failing after `deadline` seconds.
    func waitForOverview(
        _ id: String, deadline: Double = 5, file: StaticString = #filePath, line: UInt = #line,
        until condition: ([String: Any]) -> Bool
    ) async throws -> [String: Any] {
        let end = Date() + deadline
        while true {
            let reply = try await overview(id)
            XCTAssertEqual(reply.status, 200, reply.text, file: file, line: line)
            if condition(reply.json) { return reply.json }
            if Date() > end {
                XCTFail("the overview never reached the expected state: \(reply.text)", file: file, line: line)
                return reply.json
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// A `multipart/form-data` body built by hand, as a client would write it.
struct MultipartBody {
    var boundary = "----dropbridge-test-" + UUID().uuidString
    var parts: [(headers: String, content: [UInt8])] = []

    mutating func field(_ name: String, _ value: String) {
        parts.append(("Content-Disposition: form-data; name=\"\(name)\"\r\n", Array(value.utf8)))
    }

    mutating func file(_ name: String = "attachments", fileName: String, _ content: [UInt8], type: String = "application/xml") {
        parts.append(("Content-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: \(type)\r\n", content))
    }

    var bytes: [UInt8] {
        var body: [UInt8] = []
        for part in parts {
            body += Array("--\(boundary)\r\n\(part.headers)\r\n".utf8)
            body += part.content
            body += Array("\r\n".utf8)
        }
        body += Array("--\(boundary)--\r\n".utf8)
        return body
    }

    /// A complete, valid correspondence with one XML attachment, for `recipients`.
    static func valid(
        recipients: [String] = [TestParties.organization], idempotentKey: UUID? = UUID(),
        attachment: [UInt8] = Array("<?xml version=\"1.0\"?><vedtak>ja</vedtak>".utf8), fileName: String = "vedtak.xml",
        extra: [(String, String)] = [], without: Set<String> = []
    ) -> MultipartBody {
        var body = MultipartBody()
        var fields: [(String, String)] = [
            ("correspondence.resourceId", AltinnHarness.resourceId),
            ("correspondence.sendersReference", "dropbridge/2026/000123"),
            ("correspondence.content.language", "nb"),
            ("correspondence.content.messageTitle", "Vedtak i sak 2026/123"),
            ("correspondence.content.messageSummary", "Vedtaket ligger vedlagt"),
            ("correspondence.content.messageBody", "Hei.\n\nVedtaket ligger vedlagt som **XML**."),
            ("correspondence.content.attachments[0].fileName", fileName),
            ("correspondence.content.attachments[0].sendersReference", "dropbridge/2026/000123"),
            ("correspondence.content.attachments[0].checksum", Checksums.md5Hex(attachment)),
        ]
        fields += recipients.enumerated().map { ("recipients[\($0.offset)]", $0.element) }
        if let idempotentKey { fields.append(("idempotentKey", idempotentKey.uuidString.lowercased())) }
        fields = fields.filter { !without.contains($0.0) } + extra
        for (name, value) in fields { body.field(name, value) }
        if !without.contains("file") { body.file(fileName: fileName, attachment) }
        return body
    }
}

/// Synthetic parties whose numbers pass the mod-11 checks (computed, never real people).
enum TestParties {
    static let organizationNumber = "991825827"
    static let organization = RecipientIdentifier.organizationPrefix + organizationNumber
    static let otherOrganizationNumber = organizationNumber(prefix: "91234567")
    static let otherOrganization = RecipientIdentifier.organizationPrefix + otherOrganizationNumber

    /// The first 8 digits completed with the mod-11 control digit.
    static func organizationNumber(prefix: String) -> String {
        var candidate = Int(prefix)!
        while true {
            let digits = String(candidate).map { Int(String($0))! }
            if let control = RecipientIdentifier.controlDigit(digits[...], weights: [3, 2, 7, 6, 5, 4, 3, 2]) {
                return String(candidate) + String(control)
            }
            candidate += 1
        }
    }

    /// A synthetic fødselsnummer for a birth date in 1980 (`serial` picks the individual number).
    static func nationalIdentityNumber(serial: Int) -> String {
        var individual = 500 + serial
        while true {
            let base = "010180" + String(individual)
            let digits = base.map { Int(String($0))! }
            if let first = RecipientIdentifier.controlDigit(digits[...], weights: [3, 7, 6, 1, 8, 9, 4, 5, 2]),
                let second = RecipientIdentifier.controlDigit((digits + [first])[...], weights: [5, 4, 3, 2, 7, 6, 5, 4, 3, 2])
            {
                return base + String(first) + String(second)
            }
            individual += 1
        }
    }

    static func person(serial: Int) -> String {
        RecipientIdentifier.personPrefix + nationalIdentityNumber(serial: serial)
    }
}

/// A test case with a simulator of its own per test, called through `AltinnHarness.start()`.
class AltinnTestCase: XCTestCase {
    var harness: AltinnHarness!

    override func setUp() async throws {
        harness = try await AltinnHarness.start()
    }

    override func tearDown() async throws {
        try await harness?.shutDown()
        harness = nil
    }
}
