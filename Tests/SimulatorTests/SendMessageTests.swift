import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Simulator

final class SendMessageTests: SimulatorTestCase {
    /// Asserts a 400/1001 ProblemDetails whose validationErrors name `field`.
    func assertRefused(
        _ reply: SimulatorHarness.Reply, status: Int = 400, errorCode: Int = 1001, naming field: String?,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        XCTAssertEqual(reply.status, status, String(decoding: reply.body, as: UTF8.self), file: file, line: line)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json", file: file, line: line)
        XCTAssertEqual(reply.errorCode, errorCode, file: file, line: line)
        if let field {
            XCTAssertTrue(
                reply.validationErrors.contains { $0.hasPrefix(field) },
                "validationErrors \(reply.validationErrors) do not name \(field)", file: file, line: line)
        }
    }

    func testAcceptedMessageIsAnsweredWithIdAndRecorded() async throws {
        let reply = try await harness.sendMessage(TestDocuments.sendBody())
        XCTAssertEqual(reply.status, 202, String(decoding: reply.body, as: UTF8.self))
        let id = try XCTUnwrap(reply.json?["id"] as? String)
        XCTAssertNotNil(UUID(uuidString: id))
        XCTAssertEqual(id, id.lowercased())
        // NHN names the shipment in Location too (docs/nhn-edi.md §13.4).
        XCTAssertEqual(reply.header("Location"), "/messages/\(id)")

        let messages = try await harness.simMessages()
        XCTAssertEqual(messages.count, 1)
        let message = try XCTUnwrap(messages.first)
        XCTAssertEqual(message.id, id)
        XCTAssertEqual(message.senderHerId, SimulatorHarness.own)
        XCTAssertEqual(message.receiverHerIds, [SimulatorHarness.foreign])
        XCTAssertEqual(message.messageTypeIdentificator, "DIALOG_HELSEFAGLIG")
        XCTAssertEqual(message.msgId, "msg-1")
        XCTAssertEqual(message.document, TestDocuments.msgHead())
        XCTAssertEqual(message.sourceSystem, "dropbridge-tests 1.0")
        let count = await harness.simulator.count(msgId: "msg-1")
        XCTAssertEqual(count, 1)
        let direct = await harness.simulator.receivedMessages()
        XCTAssertEqual(direct.map(\.id), [id])
    }

    func testMessagesAreKeptInArrivalOrderAndFilteredByMsgId() async throws {
        for msgId in ["a", "b", "a"] {
            let reply = try await harness.sendMessage(TestDocuments.sendBody(document: TestDocuments.msgHead(msgId: msgId)))
            XCTAssertEqual(reply.status, 202)
        }
        let all = try await harness.simMessages()
        XCTAssertEqual(all.map(\.msgId), ["a", "b", "a"])
        let onlyA = try await harness.simMessages(msgId: "a")
        XCTAssertEqual(onlyA.count, 2)
        let counts = try await harness.request(.GET, "/_sim/counts", headers: [])
        XCTAssertEqual(counts.json as? [String: Int], ["a": 2, "b": 1])
    }

    func testValidTransportMetadataOverridesAreAccepted() async throws {
        var body = TestDocuments.sendBody()
        body["transportMetadataOverrides"] = ["cpaId": "cpa-1", "action": NSNull(), "compressPayload": true]
        let reply = try await harness.sendMessage(body)
        XCTAssertEqual(reply.status, 202, String(decoding: reply.body, as: UTF8.self))
    }

    func testProblemDetailsHaveTheNHNShape() async throws {
        let reply = try await harness.sendMessage(TestDocuments.sendBody(senderHerId: "1001"))
        let json = try XCTUnwrap(reply.json)
        for key in ["type", "title", "status", "detail", "instance", "errorCode", "requestId", "validationErrors", "timestamp"] {
            XCTAssertNotNil(json[key], "ProblemDetails lacks \(key)")
        }
        XCTAssertEqual(json["status"] as? Int, 400)
        XCTAssertEqual(json["instance"] as? String, "/messages")
        XCTAssertEqual(json["title"] as? String, "Bad Request")
    }

    // MARK: Headers

    func testMissingApiVersionIsRefusedNamingTheHeader() async throws {
        let headers = SimulatorHarness.nhnHeaders.filter { $0.0 != "api-version" }
        let reply = try await harness.sendMessage(TestDocuments.sendBody(), headers: headers)
        assertRefused(reply, naming: "api-version")
        XCTAssertTrue((reply.json?["detail"] as? String ?? "").contains("api-version"))
    }

    func testOtherApiVersionIsRefused() async throws {
        let headers = SimulatorHarness.nhnHeaders.map { $0.0 == "api-version" ? ("api-version", "2") : $0 }
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(), headers: headers), naming: "api-version")
    }

    func testMissingOrEmptySourceSystemIsRefused() async throws {
        let without = SimulatorHarness.nhnHeaders.filter { $0.0 != "nhn-source-system" }
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(), headers: without), naming: "nhn-source-system")
        let empty = without + [("nhn-source-system", "  ")]
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(), headers: empty), naming: "nhn-source-system")
        let norwegian = without + [("nhn-source-system", "Helse Førde EPJ")]
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(), headers: norwegian), naming: "nhn-source-system")
        let messages = try await harness.simMessages()
        XCTAssertTrue(messages.isEmpty)
    }

    func testNonJSONContentTypeIs415() async throws {
        let headers = SimulatorHarness.nhnHeaders.map { $0.0 == "Content-Type" ? ("Content-Type", "text/plain") : $0 }
        let reply = try await harness.sendMessage(TestDocuments.sendBody(), headers: headers)
        assertRefused(reply, status: 415, errorCode: 0, naming: nil)
        XCTAssertNil(reply.json?["validationErrors"])
    }

    func testPingAnswersPongAndNeedsApiVersion() async throws {
        let reply = try await harness.request(.GET, "/ping")
        XCTAssertEqual(reply.status, 200)
        XCTAssertEqual(reply.json?["response"] as? String, "Pong")
        let stamp = try XCTUnwrap(reply.json?["timestampUtc"] as? String)
        XCTAssertNotNil(ISO8601DateFormatter().date(from: stamp), stamp)

        let withoutVersion = SimulatorHarness.nhnHeaders.filter { $0.0 != "api-version" }
        assertRefused(try await harness.request(.GET, "/ping", headers: withoutVersion), naming: "api-version")
    }

    func testUnknownRouteIs404ProblemDetails() async throws {
        let reply = try await harness.request(.GET, "/no/such/thing")
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        XCTAssertEqual(reply.errorCode, 1010)
        XCTAssertEqual(reply.json?["instance"] as? String, "/no/such/thing")
    }

    // MARK: JSON fields

    func testEachMissingFieldIsNamed() async throws {
        for field in TestDocuments.sendBody().keys.sorted() {
            var body = TestDocuments.sendBody()
            body.removeValue(forKey: field)
            assertRefused(try await harness.sendMessage(body), naming: field)
        }
        let messages = try await harness.simMessages()
        XCTAssertTrue(messages.isEmpty)
    }

    func testWronglyTypedFieldsAreEachNamed() async throws {
        var body = TestDocuments.sendBody(senderHerId: "1001", receiverHerIds: 2002)
        body["businessDocument"] = 42
        body["messageTypeIdentificator"] = ["DIALOG_HELSEFAGLIG"]
        body["applicationName"] = true
        body["applicationVersion"] = 1
        let reply = try await harness.sendMessage(body)
        for field in ["senderHerId", "receiverHerIds", "businessDocument", "messageTypeIdentificator", "applicationName", "applicationVersion"] {
            assertRefused(reply, naming: field)
        }
    }

    func testReceiverHerIdsMustBeANonEmptyIntegerArray() async throws {
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(receiverHerIds: [Int]())), naming: "receiverHerIds")
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(receiverHerIds: [2002, "x"])), naming: "receiverHerIds[1]")
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(receiverHerIds: [2.5])), naming: "receiverHerIds[0]")
    }

    func testOnlyXMLAndBase64AreAccepted() async throws {
        var body = TestDocuments.sendBody()
        body["contentType"] = "text/xml"
        assertRefused(try await harness.sendMessage(body), naming: "contentType")
        body = TestDocuments.sendBody()
        body["contentTransferEncoding"] = "binary"
        assertRefused(try await harness.sendMessage(body), naming: "contentTransferEncoding")
    }

    func testUnknownFieldsAreRefused() async throws {
        var body = TestDocuments.sendBody()
        body["transportMetadataOverrides"] = ["cpaId": "x", "ebXmlThing": "y"]
        assertRefused(try await harness.sendMessage(body), naming: "transportMetadataOverrides.ebXmlThing")
        body = TestDocuments.sendBody()
        body["transportMetadataOverrides"] = ["compressPayload": "yes"]
        assertRefused(try await harness.sendMessage(body), naming: "transportMetadataOverrides.compressPayload")
        body = TestDocuments.sendBody()
        body["receiverHerIdsSubset"] = [2002]
        assertRefused(try await harness.sendMessage(body), naming: "receiverHerIdsSubset")
    }

    func testBodyThatIsNotJSONIsRefused() async throws {
        let reply = try await harness.request(.POST, "/messages", body: .bytes(ByteBuffer(string: "{\"senderHerId\": ")))
        assertRefused(reply, naming: "$")
    }

    // MARK: The business document

    func testInvalidBase64IsRefused() async throws {
        var body = TestDocuments.sendBody()
        body["businessDocument"] = "this is not base64!"
        assertRefused(try await harness.sendMessage(body), naming: "businessDocument")
    }

    func testMalformedXMLIsRefusedWithTheParseError() async throws {
        let reply = try await harness.sendMessage(TestDocuments.sendBody(document: "<MsgHead><MsgInfo></MsgHead>"))
        assertRefused(reply, naming: "businessDocument")
        // The parse error is located (LINE:COL) so a vendor can find it.
        XCTAssertTrue(
            reply.validationErrors.contains { $0.range(of: #"businessDocument: \d+:\d+: "#, options: .regularExpression) != nil },
            "\(reply.validationErrors)")
    }

    func testDocumentThatIsNotUTF8IsRefused() async throws {
        var body = TestDocuments.sendBody()
        let latin1 = Data("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><a>bl\u{E5}</a>".data(using: .isoLatin1)!)
        body["businessDocument"] = latin1.base64EncodedString()
        assertRefused(try await harness.sendMessage(body), naming: "businessDocument")
    }

    func testDocumentDeclaringAnotherEncodingIsRefused() async throws {
        // Plain ASCII, so valid UTF-8 bytes, but it says it is Latin-1: NHN wants UTF-8 that says so.
        let document = TestDocuments.msgHead().replacingOccurrences(of: "UTF-8", with: "ISO-8859-1")
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(document: document)), naming: "businessDocument")
    }

    /// NHN takes UTF-8 that declares it (docs/nhn-edi.md §3.2, §11.14).
    func testADocumentThatDoesNotDeclareUTF8IsRefused() async throws {
        let declared = TestDocuments.msgHead()
        for undeclared in [
            declared.replacingOccurrences(of: #"<?xml version="1.0" encoding="UTF-8"?>"#, with: ""),
            declared.replacingOccurrences(of: #" encoding="UTF-8""#, with: ""),
        ] {
            let reply = try await harness.sendMessage(TestDocuments.sendBody(document: undeclared))
            assertRefused(reply, naming: "businessDocument")
            XCTAssertTrue(String(decoding: reply.body, as: UTF8.self).contains("encoding"), String(decoding: reply.body, as: UTF8.self))
        }
    }

    func testDoctypeIsRefused() async throws {
        let document = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"
        assertRefused(try await harness.sendMessage(TestDocuments.sendBody(document: document)), naming: "businessDocument")
    }

    func testAppRecMustHaveExactlyOneReceiver() async throws {
        let appRec = """
            <?xml version="1.0" encoding="UTF-8"?>
            <AppRec xmlns="http://www.kith.no/xmlstds/apprec/2012-02-15">
              <MsgType V="APPREC"/><MIGversion>v1.1 2012-02-15</MIGversion>
              <GenDate>2025-01-01T10:00:00</GenDate><Id>apprec-1</Id>
              <Status V="1" DN="OK"/>
              <OriginalMsgId><MsgType V="DIALOG_HELSEFAGLIG"/><IssueDate>2025-01-01T09:00:00</IssueDate><Id>msg-0</Id></OriginalMsgId>
            </AppRec>
            """
        let two = TestDocuments.sendBody(document: appRec, receiverHerIds: [2002, 2003], type: "APPREC")
        assertRefused(try await harness.sendMessage(two), naming: "receiverHerIds")

        let one = TestDocuments.sendBody(document: appRec, receiverHerIds: [2002], type: "APPREC")
        let reply = try await harness.sendMessage(one)
        XCTAssertEqual(reply.status, 202, String(decoding: reply.body, as: UTF8.self))
        let count = await harness.simulator.count(msgId: "apprec-1")
        XCTAssertEqual(count, 1)
    }

    func testMessageTypeMustMatchTheDocument() async throws {
        let reply = try await harness.sendMessage(TestDocuments.sendBody(type: "EPIKRISE"))
        assertRefused(reply, naming: "messageTypeIdentificator")
    }

    func testSenderMustMatchTheInnermostSenderInTheDocument() async throws {
        // Both are ours, but the document says 1001 is sending.
        let reply = try await harness.sendMessage(TestDocuments.sendBody(senderHerId: SimulatorHarness.ownOther))
        assertRefused(reply, naming: "senderHerId")
        // The parent organisation's HER-id is not the sender either.
        let parent = TestDocuments.sendBody(senderHerId: SimulatorHarness.ownParent)
        let parentReply = try await harness.sendMessage(parent)
        XCTAssertNotEqual(parentReply.status, 202)
    }

    func testForeignSenderIsForbidden() async throws {
        let document = TestDocuments.msgHead(senderHerId: SimulatorHarness.foreign, receiverHerId: SimulatorHarness.own)
        let reply = try await harness.sendMessage(
            TestDocuments.sendBody(document: document, senderHerId: SimulatorHarness.foreign, receiverHerIds: [SimulatorHarness.own]))
        assertRefused(reply, status: 403, errorCode: 1202, naming: nil)
        XCTAssertNil(reply.json?["validationErrors"])
        let messages = try await harness.simMessages()
        XCTAssertTrue(messages.isEmpty)
    }

    // MARK: Size

    func testOversizedBodyWithContentLengthIs413() async throws {
        let padding = String(repeating: "x", count: 80 * 1024)
        var body = TestDocuments.sendBody()
        body["applicationName"] = padding
        let reply = try await harness.sendMessage(body)
        assertRefused(reply, status: 413, errorCode: 0, naming: nil)
        let messages = try await harness.simMessages()
        XCTAssertTrue(messages.isEmpty)
    }

    func testOversizedChunkedBodyIs413() async throws {
        // No Content-Length: the limit must hold while collecting.
        let chunk = ByteBuffer(repeating: UInt8(ascii: " "), count: 16 * 1024)
        let chunks = AsyncStream<ByteBuffer> { continuation in
            for _ in 0..<8 { continuation.yield(chunk) }
            continuation.finish()
        }
        let reply = try await harness.request(.POST, "/messages", body: .stream(chunks, length: .unknown))
        XCTAssertEqual(reply.status, 413)
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
    }
}
