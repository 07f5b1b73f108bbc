import AsyncHTTPClient
import Auth
import Crypto
import DropbridgeCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization
import XCTest

@testable import NHNClient

// MARK: - Request body

final class NHNMessageBodyTests: XCTestCase {
    private func encode(_ message: OutgoingMessage, name: String = "dropbridge", version: String = "1.0") async throws
        -> [String: Any]
    {
        let bytes = try await collect(MessageBodyEncoder.body(message, applicationName: name, applicationVersion: version))
        let object = try JSONSerialization.jsonObject(with: Data(bytes))
        return try XCTUnwrap(object as? [String: Any])
    }

    private func message(_ document: [UInt8], type: String = "DIALOG_HELSEFAGLIG") -> OutgoingMessage {
        OutgoingMessage(
            senderHerId: 8_143_060, receiverHerIds: [8_094_866, 42], document: document,
            messageTypeIdentificator: type)
    }

    func testBodyHasExactlyTheDocumentedFieldsWhenNoOverrides() async throws {
        let xml = Array(#"<?xml version="1.0" encoding="UTF-8"?><MsgHead>Æøå</MsgHead>"#.utf8)
        let json = try await encode(message(xml))
        XCTAssertEqual(
            Set(json.keys),
            [
                "senderHerId", "receiverHerIds", "businessDocument", "contentType", "contentTransferEncoding",
                "messageTypeIdentificator", "applicationName", "applicationVersion",
            ])
        XCTAssertEqual(json["senderHerId"] as? Int, 8_143_060)
        XCTAssertEqual(json["receiverHerIds"] as? [Int], [8_094_866, 42])
        XCTAssertEqual(json["contentType"] as? String, "application/xml")
        XCTAssertEqual(json["contentTransferEncoding"] as? String, "base64")
        XCTAssertEqual(json["messageTypeIdentificator"] as? String, "DIALOG_HELSEFAGLIG")
        XCTAssertEqual(json["applicationName"] as? String, "dropbridge")
        XCTAssertEqual(json["applicationVersion"] as? String, "1.0")
        let decoded = try XCTUnwrap(Data(base64Encoded: try XCTUnwrap(json["businessDocument"] as? String)))
        XCTAssertEqual(Array(decoded), xml)
    }

    func testBase64MatchesFoundationForEveryRemainderAndAllByteValues() throws {
        var random = SystemRandomNumberGenerator()
        for length in [0, 1, 2, 3, 4, 5, 6, 255, 256, 257, 4096, 65_537] {
            let document = length == 256 ? (0...255).map { UInt8($0) } : (0..<length).map { _ in UInt8.random(in: 0...255, using: &random) }
            var buffer = ByteBuffer()
            Base64Writer.write(document, into: &buffer)
            XCTAssertEqual(String(buffer: buffer), Data(document).base64EncodedString(), "length \(length)")
            XCTAssertEqual(buffer.readableBytes, Base64Writer.encodedLength(of: length))
        }
    }

    /// Pieces of every size 1…7 over documents of every length 0…20: each piece boundary falls at
    /// every residue mod 3, and the carried bytes must join up exactly.
    func testStreamEncoderJoinsPiecesAtEveryResidue() {
        let source = (0..<20).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        for length in 0...source.count {
            let document = Array(source.prefix(length))
            for piece in 1...7 {
                var encoder = Base64StreamEncoder()
                var buffer = ByteBuffer()
                var offset = 0
                document.withUnsafeBytes { all in
                    while offset < length {
                        let end = min(length, offset + piece)
                        encoder.append(UnsafeRawBufferPointer(rebasing: all[offset..<end]), into: &buffer)
                        offset = end
                    }
                }
                encoder.finish(into: &buffer)
                XCTAssertEqual(String(buffer: buffer), Data(document).base64EncodedString(), "length \(length), pieces of \(piece)")
            }
        }
    }

    /// The streamed body is byte for byte what the former single-buffer encoder produced, from
    /// memory and from a file, for chunk sizes at every residue mod 3 and the empty document.
    func testStreamedBodyIsExactlyTheWholeBufferBody() async throws {
        var overrides = TransportMetadataOverrides()
        overrides.conversationId = "c-1"
        for length in [0, 1, 2, 3, 4, 5, 10, 1000] {
            let document = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) }
            var outgoing = message(document)
            outgoing.transportMetadataOverrides = length == 1000 ? overrides : nil
            let expected = WholeBufferEncoder.encode(outgoing, applicationName: "dropbridge", applicationVersion: "2.0")
            let file = try temporaryFile(document)
            defer { unlink(file.path) }
            for source in [outgoing.document, .file(file)] {
                var sent = outgoing
                sent.document = source
                let body = MessageBodyEncoder.body(sent, applicationName: "dropbridge", applicationVersion: "2.0")
                XCTAssertEqual(body.length, expected.count, "length known before reading")
                for chunk in [1, 2, 3, 4, 5, 6, 7, 64 * 1024] {
                    let streamed = try await collect(body, rawBytesPerChunk: chunk)
                    XCTAssertEqual(streamed, expected, "document of \(length) bytes from \(source), chunks of \(chunk)")
                }
            }
        }
    }

    func testUTF8ByteOrderMarkIsHashedButNotSent() async throws {
        let xml = Array("<MsgHead>ø</MsgHead>".utf8)
        let file = try temporaryFile([0xEF, 0xBB, 0xBF] + xml)
        defer { unlink(file.path) }
        var withBOM = file
        withBOM.skip = 3
        let body = MessageBodyEncoder.body(message([]), applicationName: "a", applicationVersion: "b")
        let streamed = try await collect(MessageBody(prefix: body.prefix, document: .file(withBOM)), rawBytesPerChunk: 2)
        XCTAssertEqual(streamed, WholeBufferEncoder.encode(message(xml), applicationName: "a", applicationVersion: "b"))
    }

    /// A file that lacks a UTF-8 declaration is sent with one as a prefix (`ClaimedDocumentFile.prefix`),
    /// standing for the file's first `skip` bytes: the body is that of the declared bytes.
    func testADeclarationPrefixIsSentBeforeTheFilesOwnBytes() async throws {
        let xml = Array("<?xml version=\"1.0\"?><MsgHead>ø</MsgHead>".utf8)
        let declared = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?><MsgHead>ø</MsgHead>".utf8)
        let file = try temporaryFile([0xEF, 0xBB, 0xBF] + xml)
        defer { unlink(file.path) }
        var prefixed = file
        prefixed.skip = 3 + 19
        prefixed.prefix = Array(declared.prefix(19 + 17))
        var outgoing = message([])
        outgoing.document = .file(prefixed)
        let body = MessageBodyEncoder.body(outgoing, applicationName: "a", applicationVersion: "b")
        let expected = WholeBufferEncoder.encode(message(declared), applicationName: "a", applicationVersion: "b")
        XCTAssertEqual(body.length, expected.count, "the prefix counted in Content-Length")
        for chunk in [1, 2, 5, 64 * 1024] {
            let streamed = try await collect(body, rawBytesPerChunk: chunk)
            XCTAssertEqual(streamed, expected, "chunks of \(chunk)")
        }
    }

    /// A document that is not the one checked (other bytes, same size; or longer) ends the body
    /// before its last bytes: whatever was handed out is not a complete request.
    func testChangedFileStopsTheBodyBeforeItsEnd() async throws {
        let original = Array(String(repeating: "<a>x</a>", count: 100).utf8)
        for changed in [Array(original.reversed()), original + [0x20]] {
            let file = try temporaryFile(original)
            defer { unlink(file.path) }
            try Data(changed).write(to: URL(fileURLWithPath: file.path))
            var outgoing = message([])
            outgoing.document = .file(file)
            let body = MessageBodyEncoder.body(outgoing, applicationName: "a", applicationVersion: "b")
            var handedOut: [UInt8] = []
            do {
                for try await chunk in body.chunks(rawBytesPerChunk: 64) { handedOut += chunk.readableBytesView }
                XCTFail("the changed document was sent whole")
            } catch let error as MessageBodyError {
                XCTAssertEqual(error, .documentChanged)
            }
            XCTAssertLessThan(handedOut.count, body.length)
            XCTAssertNotEqual(handedOut.suffix(2), MessageBody.suffix)
        }
    }

    func testMissingFileIsUnreadable() async throws {
        var outgoing = message([])
        outgoing.document = .file(ClaimedDocumentFile(path: "/nonexistent/dropbridge/document.xml", size: 3, sha256: []))
        let body = MessageBodyEncoder.body(outgoing, applicationName: "a", applicationVersion: "b")
        do {
            _ = try await collect(body)
            XCTFail("read a missing file")
        } catch let error as MessageBodyError {
            XCTAssertEqual(error, .unreadable(errno: ENOENT))
        }
    }

    func testStringFieldsAreEscaped() async throws {
        let tricky = "A\"B\\C\nD\rE\tF\u{01}G\u{1F}H/Æøå😀"
        let json = try await encode(message([1, 2, 3], type: tricky), name: "na\"me", version: "v\\1")
        XCTAssertEqual(json["messageTypeIdentificator"] as? String, tricky)
        XCTAssertEqual(json["applicationName"] as? String, "na\"me")
        XCTAssertEqual(json["applicationVersion"] as? String, "v\\1")
    }

    func testOverridesCarryOnlyTheKeysThatAreSet() async throws {
        var overrides = TransportMetadataOverrides()
        overrides.cpaId = "cpa-1"
        overrides.service = "Svc\"x"
        overrides.compressPayload = false
        var outgoing = message([60, 97, 47, 62])
        outgoing.transportMetadataOverrides = overrides
        let json = try await encode(outgoing)
        let sent = try XCTUnwrap(json["transportMetadataOverrides"] as? [String: Any])
        XCTAssertEqual(Set(sent.keys), ["cpaId", "service", "compressPayload"])
        XCTAssertEqual(sent["cpaId"] as? String, "cpa-1")
        XCTAssertEqual(sent["service"] as? String, "Svc\"x")
        XCTAssertEqual(sent["compressPayload"] as? Bool, false)
    }

    func testEmptyOverridesAreLeftOut() async throws {
        var outgoing = message([1])
        outgoing.transportMetadataOverrides = TransportMetadataOverrides()
        let json = try await encode(outgoing)
        XCTAssertNil(json["transportMetadataOverrides"])
    }

    /// No piece of a large document's body is larger than one chunk's base64: the whole base64
    /// never exists at once.
    func testLargeDocumentIsStreamedInBoundedChunks() async throws {
        let document = [UInt8](repeating: 0x41, count: 3_000_001)
        let body = MessageBodyEncoder.body(message(document), applicationName: "a", applicationVersion: "b")
        var collected: [UInt8] = []
        var largest = 0
        for try await chunk in body.chunks(rawBytesPerChunk: 65_536) {
            largest = max(largest, chunk.readableBytes)
            collected += chunk.readableBytesView
        }
        XCTAssertLessThanOrEqual(largest, Base64Writer.encodedLength(of: 65_536 + 2))
        XCTAssertEqual(collected.count, body.length)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(collected)) as? [String: Any])
        let base64 = try XCTUnwrap(json["businessDocument"] as? String)
        XCTAssertEqual(Data(base64Encoded: base64).map(Array.init), document)
    }

    func testConfigurationsBody() throws {
        let body = NHNClient.configurationsBody(herIds: [1, 22])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any])
        let configurations = try XCTUnwrap(json["configurations"] as? [[String: Any]])
        XCTAssertEqual(configurations.count, 2)
        XCTAssertEqual(configurations[1]["herId"] as? Int, 22)
        XCTAssertEqual(configurations[0]["receiveNotificationChannel"] as? String, "Api")
        XCTAssertEqual(configurations[0]["receiveRefusedMessageNotices"] as? Bool, true)
    }
}

// MARK: - Classification of answers

final class NHNClassificationTests: XCTestCase {
    private let now = Date(timeIntervalSince1970: 1_784_000_000)

    private func response(_ status: Int, _ headers: [(String, String)] = [], _ body: String = "") -> NHNResponse {
        NHNResponse(status: status, headers: HTTPHeaders(headers), body: Array(body.utf8))
    }

    private let problem = #"""
        {"type":"about:blank","title":"Validation failed","status":400,"detail":"senderHerId is not registered",
         "errorCode":1001,"requestId":"req-77","validationErrors":["receiverHerIds must not be empty"]}
        """#

    func testAcceptedWithId() {
        XCTAssertEqual(
            SendOutcome.classify(response(202, [("Content-Type", "application/json")], #"{"id":"3f2a-guid"}"#)),
            .accepted(messageId: "3f2a-guid"))
    }

    func testAcceptedWithoutIdIsTransientAndMayHaveArrived() {
        guard case .transient(_, nil, true) = SendOutcome.classify(response(202, [], "")) else {
            return XCTFail("expected transient after a 202 without id")
        }
    }

    func testRefusalKeepsProblemAndNamesCodeAndRequestId() throws {
        let outcome = SendOutcome.classify(response(400, [("Content-Type", "application/problem+json")], problem))
        guard case .refused(400, let problem?, let reason) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(problem["errorCode"]?.intValue, 1001)
        for part in ["400", "Validation failed", "senderHerId is not registered", "errorCode 1001", "req-77",
            "receiverHerIds must not be empty"]
        {
            XCTAssertTrue(reason.contains(part), "\(reason) lacks \(part)")
        }
    }

    func testOtherClientErrorsArePermanentRefusals() {
        for status in [403, 404, 409, 413, 415] {
            let outcome = SendOutcome.classify(response(status, [("Content-Type", "application/json")], problem))
            guard case .refused(status, .some, let reason) = outcome else { return XCTFail("\(status): \(outcome)") }
            XCTAssertTrue(reason.contains("HTTP \(status)"), reason)
        }
    }

    func testLockedIsItsOwnOutcome() {
        let body = #"{"title":"Locked","errorCode":1210,"requestId":"r1"}"#
        guard case .locked(let problem?, let reason) = SendOutcome.classify(response(423, [], body)) else {
            return XCTFail("expected locked")
        }
        XCTAssertEqual(problem["errorCode"]?.intValue, 1210)
        XCTAssertTrue(reason.contains("1210"), reason)
    }

    func testUnauthorizedNamesTheChallengeError() {
        let outcome = SendOutcome.classify(
            response(401, [("WWW-Authenticate", #"DPoP error="invalid_token", error_description="The token expired""#)]))
        guard case .unauthorized(nil, let reason) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertTrue(reason.contains("invalid_token (The token expired)"), reason)
    }

    func testTooManyRequestsWithRetryAfterSeconds() {
        let outcome = SendOutcome.classify(response(429, [("Retry-After", "30")]), now: now)
        XCTAssertEqual(outcome, .transient(reason: outcome.reasonForTest, retryAfter: .seconds(30), requestMayHaveArrived: false))
    }

    func testServiceUnavailableWithRetryAfterDate() throws {
        let date = "Tue, 14 Jul 2026 03:35:20 GMT"  // now + 120 s
        XCTAssertEqual(now.addingTimeInterval(120), RetryAfter.httpDate(date))
        let outcome = SendOutcome.classify(response(503, [("Retry-After", date)]), now: now)
        guard case .transient(_, .seconds(120)?, true) = outcome else { return XCTFail("\(outcome)") }
    }

    func testRetryAfterIsCappedAndPastDatesMeanNow() {
        XCTAssertEqual(RetryAfter.parse("999999999999999999999999", now: now), .seconds(3600))
        XCTAssertEqual(RetryAfter.parse("86400", now: now), .seconds(3600))
        XCTAssertEqual(RetryAfter.parse("Thu, 01 Jan 1970 00:00:00 GMT", now: now), .zero)
        XCTAssertEqual(RetryAfter.parse("Tuesday, 14-Jul-26 03:35:20 GMT", now: now), .seconds(120))
        XCTAssertNil(RetryAfter.parse("soon", now: now))
        XCTAssertNil(RetryAfter.parse("-5", now: now))
    }

    func testServerErrorsAreTransientAndMayHaveArrived() {
        for status in [500, 502, 503, 504] {
            guard case .transient(let reason, nil, true) = SendOutcome.classify(response(status)) else {
                return XCTFail("\(status)")
            }
            XCTAssertTrue(reason.contains("HTTP \(status)"), reason)
        }
        guard case .transient(_, nil, false) = SendOutcome.classify(response(408)) else { return XCTFail("408") }
    }

    func testNonJSONErrorBodyGivesNoProblem() {
        let outcome = SendOutcome.classify(response(400, [("Content-Type", "text/html")], "<html>bad</html>"))
        guard case .refused(400, nil, let reason) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertFalse(reason.contains("<html>"), reason)
    }

    func testTruncatedErrorBodyGivesNoProblem() {
        var truncated = response(400, [("Content-Type", "application/json")], #"{"title":"x"}"#)
        truncated.bodyTruncated = true
        guard case .refused(400, nil, _) = SendOutcome.classify(truncated) else { return XCTFail() }
    }

    func testConnectionRefusedClassifiesAsNeverSent() {
        XCTAssertTrue(TransportErrorClassifier.neverSent(HTTPClientError.connectTimeout))
        XCTAssertTrue(TransportErrorClassifier.neverSent(IOError(errnoCode: ECONNREFUSED, reason: "connect")))
        XCTAssertFalse(TransportErrorClassifier.neverSent(HTTPClientError.deadlineExceeded))
        XCTAssertFalse(TransportErrorClassifier.neverSent(HTTPClientError.remoteConnectionClosed))
        XCTAssertFalse(TransportErrorClassifier.neverSent(IOError(errnoCode: ECONNRESET, reason: "read")))
    }
}

extension SendOutcome {
    fileprivate var reasonForTest: String {
        switch self {
        case .accepted: ""
        case .refused(_, _, let reason), .locked(_, let reason), .unauthorized(_, let reason),
            .transient(let reason, _, _):
            reason
        }
    }
}

// MARK: - Over the wire, against a scripted loopback responder

/// Records what the client asked of it.
final class RecordingAuthorizer: RequestAuthorizer {
    private let calls = Mutex<(authorized: [(String, String)], rejected: Int)>(([], 0))
    var authorized: [(method: String, url: String)] { calls.withLock { $0.authorized.map { ($0.0, $0.1) } } }
    var rejections: Int { calls.withLock { $0.rejected } }

    func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws {
        let count = calls.withLock { state in
            state.authorized.append((method, url))
            return state.authorized.count
        }
        request.headers.replaceOrAdd(name: "Authorization", value: "DPoP token-\(count)")
    }

    func credentialsRejected(_ request: HTTPClientRequest, answer: HTTPHeaders) async { calls.withLock { $0.rejected += 1 } }
}

final class NHNClientWireTests: XCTestCase {
    private var httpClient: HTTPClient!

    override func setUp() {
        httpClient = HTTPClient(
            eventLoopGroupProvider: .singleton, configuration: NHNClient.recommendedHTTPClientConfiguration())
    }

    override func tearDown() async throws {
        try await httpClient.shutdown()
    }

    private func client(_ baseURL: String, _ authorizer: any RequestAuthorizer, timeout: Duration = .seconds(10))
        -> NHNClient
    {
        NHNClient(
            endpoint: NHNEndpoint(
                baseURL: baseURL + "/", sourceSystem: "dropbridge-test, v0", applicationName: "dropbridge",
                applicationVersion: "0.1", requestTimeout: timeout),
            httpClient: httpClient, authorizer: authorizer, logger: Logger(label: "test"))
    }

    private let outgoing = OutgoingMessage(
        senderHerId: 1, receiverHerIds: [2], document: Array("<MsgHead/>".utf8), messageTypeIdentificator: "DIALOG_NOTAT")

    func testAcceptedSendCarriesHeadersAndAuthorization() async throws {
        let server = ScriptedResponder(replies: [.init(status: 202, body: #"{"id":"m-1"}"#)])
        let base = try await server.start()
        let authorizer = RecordingAuthorizer()
        let outcome = await client(base, authorizer).sendMessage(outgoing)
        await server.stop()

        XCTAssertEqual(outcome, .accepted(messageId: "m-1"))
        let request = try XCTUnwrap(server.received.first)
        XCTAssertEqual(request.method, "POST")
        XCTAssertEqual(request.uri, "/messages")
        XCTAssertEqual(request.header("api-version"), "3")
        XCTAssertEqual(request.header("nhn-source-system"), "dropbridge-test, v0")
        XCTAssertEqual(request.header("Accept"), "application/json")
        XCTAssertEqual(request.header("Content-Type"), "application/json")
        XCTAssertEqual(request.header("Authorization"), "DPoP token-1")
        XCTAssertEqual(authorizer.authorized.map(\.method), ["POST"])
        XCTAssertEqual(authorizer.authorized.map(\.url), [base + "/messages"])
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(request.body)) as? [String: Any])
        XCTAssertEqual(json["businessDocument"] as? String, Data("<MsgHead/>".utf8).base64EncodedString())
    }

    /// A 202 whose body does not name the message (empty) still names it in `Location`: the
    /// message is out and known, not a transient failure that leaves it unconfirmed.
    func testAcceptedSendWithoutBodyIdTakesTheIdFromLocation() async throws {
        let server = ScriptedResponder(replies: [
            .init(status: 202, headers: [("Location", "/messages/733be787-0ad0-475a-98b7-00512caa9ccb")], body: "")
        ])
        let base = try await server.start()
        let outcome = await client(base, RecordingAuthorizer()).sendMessage(outgoing)
        await server.stop()
        XCTAssertEqual(outcome, .accepted(messageId: "733be787-0ad0-475a-98b7-00512caa9ccb"))
        // A Location that names no message is no id.
        XCTAssertNil(SendOutcome.shipmentId(location: "/ping"))
        XCTAssertNil(SendOutcome.shipmentId(location: "https://api.test/messages/a%2Fb"))
        XCTAssertEqual(SendOutcome.shipmentId(location: "https://api.test/messages/abc-1"), "abc-1")
    }

    /// The document streamed from its file still goes out with a Content-Length (known from the
    /// file's size, so a server refuses an oversized request before the body), and a 401 retry
    /// reads the file again: both requests carry the whole document.
    func testFileDocumentIsStreamedWithContentLengthAndReadAgainOnRetry() async throws {
        let xml = Array(String(repeating: "<MsgHead>æøå</MsgHead>", count: 20_000).utf8)
        let file = try temporaryFile(xml)
        defer { unlink(file.path) }
        var message = outgoing
        message.document = .file(file)
        let server = ScriptedResponder(replies: [.init(status: 401, body: ""), .init(status: 202, body: #"{"id":"m-9"}"#)])
        let base = try await server.start()
        let outcome = await client(base, RecordingAuthorizer()).sendMessage(message)
        await server.stop()

        XCTAssertEqual(outcome, .accepted(messageId: "m-9"))
        XCTAssertEqual(server.received.count, 2)
        for request in server.received {
            XCTAssertEqual(request.header("Content-Length"), "\(request.body.count)")
            XCTAssertNil(request.header("Transfer-Encoding"))
            let base64 = try XCTUnwrap(request.json?["businessDocument"] as? String)
            XCTAssertEqual(Data(base64Encoded: base64).map(Array.init), xml)
        }
    }

    /// A claimed file that is not the one checked: the body stops before its end, the server
    /// has no whole request, and the outcome says it cannot have arrived (sending again is safe).
    func testChangedFileIsNeverSentWholeAndCannotHaveArrived() async throws {
        let xml = Array(String(repeating: "<MsgHead/>", count: 50_000).utf8)
        let file = try temporaryFile(xml)
        defer { unlink(file.path) }
        try Data(xml.reversed()).write(to: URL(fileURLWithPath: file.path))
        var message = outgoing
        message.document = .file(file)
        let server = ScriptedResponder(replies: [.init(status: 202, body: #"{"id":"never"}"#)])
        let base = try await server.start()
        let outcome = await client(base, RecordingAuthorizer()).sendMessage(message)
        await server.stop()

        guard case .transient(let reason, _, let mayHaveArrived) = outcome else {
            return XCTFail("expected a transient outcome, got \(outcome)")
        }
        XCTAssertFalse(mayHaveArrived)
        XCTAssertTrue(reason.contains("changed after it was checked"), reason)
        XCTAssertTrue(server.received.isEmpty, "the server saw a complete request")
    }

    func testOne401IsRetriedWithRenewedCredentials() async throws {
        let server = ScriptedResponder(replies: [
            .init(status: 401, headers: [("WWW-Authenticate", #"DPoP error="invalid_token""#)]),
            .init(status: 202, body: #"{"id":"m-2"}"#),
        ])
        let base = try await server.start()
        let authorizer = RecordingAuthorizer()
        let outcome = await client(base, authorizer).sendMessage(outgoing)
        await server.stop()

        XCTAssertEqual(outcome, .accepted(messageId: "m-2"))
        XCTAssertEqual(authorizer.rejections, 1)
        XCTAssertEqual(server.received.map { $0.header("Authorization") }, ["DPoP token-1", "DPoP token-2"])
        XCTAssertEqual(server.received[0].body, server.received[1].body)
    }

    func testTwo401sAreUnauthorizedWithoutAThirdTry() async throws {
        let challenge = ScriptedResponder.Reply(
            status: 401, headers: [("WWW-Authenticate", #"DPoP error="invalid_dpop_proof""#)])
        let server = ScriptedResponder(replies: [challenge, challenge, .init(status: 202, body: #"{"id":"x"}"#)])
        let base = try await server.start()
        let authorizer = RecordingAuthorizer()
        let outcome = await client(base, authorizer).sendMessage(outgoing)
        await server.stop()

        guard case .unauthorized(_, let reason) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertTrue(reason.contains("invalid_dpop_proof"), reason)
        XCTAssertEqual(server.received.count, 2)
        XCTAssertEqual(authorizer.rejections, 1)
    }

    func testLockedOverTheWire() async throws {
        let server = ScriptedResponder(replies: [
            .init(status: 423, headers: [("Content-Type", "application/problem+json")], body: #"{"errorCode":1210}"#)
        ])
        let base = try await server.start()
        let outcome = await client(base, NoAuthorization()).sendMessage(outgoing)
        await server.stop()
        guard case .locked(let problem?, _) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertEqual(problem["errorCode"]?.intValue, 1210)
    }

    func testNoAnswerInTimeIsTransientAndMayHaveArrived() async throws {
        let server = ScriptedResponder(replies: [nil])
        let base = try await server.start()
        let started = ContinuousClock.now
        let outcome = await client(base, NoAuthorization(), timeout: .milliseconds(300)).sendMessage(outgoing)
        await server.stop()
        guard case .transient(_, nil, true) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testBodyThatStallsIsCutAtTheDeadline() async throws {
        let server = ScriptedResponder(replies: [.init(status: 202, body: #"{"id":"#, stallsInBody: true)])
        let base = try await server.start()
        let started = ContinuousClock.now
        let outcome = await client(base, NoAuthorization(), timeout: .milliseconds(500)).sendMessage(outgoing)
        await server.stop()
        guard case .transient(_, nil, true) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
    }

    func testConnectionRefusedIsTransientAndNeverArrived() async throws {
        // Bind a port, then close it, so nothing listens there.
        let probe = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = probe.localAddress?.port ?? 1
        try await probe.close()

        let started = ContinuousClock.now
        let outcome = await client("http://127.0.0.1:\(port)", NoAuthorization(), timeout: .seconds(20))
            .sendMessage(outgoing)
        guard case .transient(let reason, nil, false) = outcome else { return XCTFail("\(outcome)") }
        // Reported at once, not after the request deadline.
        XCTAssertLessThan(ContinuousClock.now - started, .seconds(5))
        XCTAssertTrue(reason.contains("Could not reach NHN"), reason)
        // In the errno's own words, not NIO's "connection reset (error set): …) (errno: 111)".
        XCTAssertTrue(reason.contains(": Connection refused (errno \(ECONNREFUSED))."), reason)
        XCTAssertFalse(reason.contains("connection reset"), reason)
    }

    func testAuthorizerFailureIsTransientAndNeverArrived() async throws {
        struct TokenServiceDown: Error {}
        struct FailingAuthorizer: RequestAuthorizer {
            func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws {
                throw TokenServiceDown()
            }
            func credentialsRejected(_ request: HTTPClientRequest, answer: HTTPHeaders) async {}
        }
        let server = ScriptedResponder(replies: [])
        let base = try await server.start()
        let outcome = await client(base, FailingAuthorizer()).sendMessage(outgoing)
        await server.stop()
        guard case .transient(_, nil, false) = outcome else { return XCTFail("\(outcome)") }
        XCTAssertTrue(server.received.isEmpty)
    }

    func testPingAndRegisterConfigurations() async throws {
        let server = ScriptedResponder(replies: [
            .init(status: 200, body: #"{"response":"Pong","timestampUtc":"2026-01-01T00:00:00Z"}"#),
            .init(status: 204),
            .init(status: 400, headers: [("Content-Type", "application/problem+json")], body: #"{"title":"Bad","errorCode":1001}"#),
        ])
        let base = try await server.start()
        let nhn = client(base, NoAuthorization())
        let ping = await nhn.ping()
        let registered = await nhn.registerConfigurations(herIds: [5])
        let refused = await nhn.registerConfigurations(herIds: [6])
        await server.stop()

        XCTAssertEqual(ping, .pong(timestampUtc: "2026-01-01T00:00:00Z"))
        XCTAssertEqual(registered, .succeeded)
        guard case .failed(.refused(400, _, _)) = refused else { return XCTFail("\(refused)") }
        XCTAssertEqual(server.received.map(\.method), ["GET", "PUT", "PUT"])
        XCTAssertEqual(server.received.map(\.uri), ["/ping", "/mshconfigurations", "/mshconfigurations"])
        XCTAssertNil(server.received[0].header("Content-Type"))
    }
}


// MARK: - Body test helpers

func collect(_ body: MessageBody, rawBytesPerChunk: Int = MessageBody.defaultChunkBytes) async throws -> [UInt8] {
    var bytes: [UInt8] = []
    for try await chunk in body.chunks(rawBytesPerChunk: rawBytesPerChunk) { bytes += chunk.readableBytesView }
    return bytes
}

/// The document written to a temporary file, described as the check would describe it.
func temporaryFile(_ document: [UInt8]) throws -> ClaimedDocumentFile {
    let path = NSTemporaryDirectory() + "dropbridge-body-\(UUID().uuidString).xml"
    try Data(document).write(to: URL(fileURLWithPath: path))
    return ClaimedDocumentFile(path: path, size: document.count, sha256: Array(SHA256.hash(data: document)))
}

/// The former encoder, kept as the reference: the whole body in one buffer (head, the base64
/// written in one go, `"}`).
enum WholeBufferEncoder {
    static func encode(_ message: OutgoingMessage, applicationName: String, applicationVersion: String) -> [UInt8] {
        guard case .memory(let document) = message.document else { preconditionFailure("reference takes bytes") }
        var head = JSONObjectWriter()
        head.field("senderHerId", message.senderHerId)
        head.field("receiverHerIds", message.receiverHerIds)
        head.field("messageTypeIdentificator", message.messageTypeIdentificator)
        head.field("applicationName", applicationName)
        head.field("applicationVersion", applicationVersion)
        head.field("contentType", "application/xml")
        head.field("contentTransferEncoding", "base64")
        if let overrides = message.transportMetadataOverrides.map(MessageBodyEncoder.overridesObject), !overrides.isEmpty {
            head.field("transportMetadataOverrides", object: overrides)
        }
        head.key("businessDocument")
        var buffer = ByteBuffer(bytes: head.bytes + [UInt8(ascii: "\"")])
        Base64Writer.write(document, into: &buffer)
        buffer.writeBytes([UInt8(ascii: "\""), UInt8(ascii: "}")])
        return Array(buffer.readableBytesView)
    }
}
