import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Simulator

final class CounterpartyTests: XCTestCase {
    var harness: SimulatorHarness!

    override func setUp() async throws {
        harness = try await SimulatorHarness.startInbound()
        try await harness.configure([SimulatorHarness.own, SimulatorHarness.ownOther])
    }

    override func tearDown() async throws {
        try await harness?.shutDown()
        harness = nil
    }

    func testMessageToOwnHerIdCanBeFetchedAndMarkedDownloaded() async throws {
        let document = TestDocuments.msgHead(msgId: "own-1", receiverHerId: SimulatorHarness.ownOther)
        let sent = try await harness.sendMessage(
            TestDocuments.sendBody(document: document, receiverHerIds: [SimulatorHarness.ownOther]))
        XCTAssertEqual(sent.status, 202)
        let id = try XCTUnwrap(sent.json?["id"] as? String)

        let found = try await harness.poll(SimulatorHarness.ownOther)
        XCTAssertEqual(found.map { $0["type"] as? String }, ["NewMessage"])
        XCTAssertEqual(found.first?["relatedMessageId"] as? String, id)

        let metadata = try await harness.request(.GET, "/messages/\(id)")
        XCTAssertEqual(metadata.status, 200)
        XCTAssertEqual(metadata.json?["senderHerId"] as? Int, SimulatorHarness.own)
        XCTAssertEqual(metadata.json?["receiverHerIds"] as? [Int], [SimulatorHarness.ownOther])
        XCTAssertEqual(metadata.json?["businessDocumentId"] as? String, "own-1")
        XCTAssertEqual(metadata.json?["businessDocumentMsgType"] as? String, "DIALOG_HELSEFAGLIG")

        let download = try await harness.request(.GET, "/messages/\(id)/business-document")
        XCTAssertEqual(download.status, 200)
        let base64 = try XCTUnwrap(download.json?["businessDocument"] as? String)
        XCTAssertEqual(Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }, document)
        XCTAssertEqual(download.json?["contentTransferEncoding"] as? String, "base64")

        let notReceiver = try await harness.put(
            "/messages/\(id)/downloaded", json: ["receiverHerId": SimulatorHarness.own])
        XCTAssertEqual(notReceiver.status, 403)
        XCTAssertEqual(notReceiver.errorCode, 1201)
        let marked = try await harness.put(
            "/messages/\(id)/downloaded", json: ["receiverHerId": SimulatorHarness.ownOther])
        XCTAssertEqual(marked.status, 204, String(decoding: marked.body, as: UTF8.self))
        let marks = await harness.simulator.downloadedMarks()
        XCTAssertEqual(marks, [id: [SimulatorHarness.ownOther]])
        let simMarks = try await harness.request(.GET, "/_sim/downloaded", headers: [])
        XCTAssertEqual(simMarks.json?[id] as? [Int], [SimulatorHarness.ownOther])

        let unknown = try await harness.put(
            "/messages/\(UUID().uuidString.lowercased())/downloaded", json: ["receiverHerId": SimulatorHarness.ownOther])
        XCTAssertEqual(unknown.status, 404)
        XCTAssertEqual(unknown.errorCode, 1010)
    }

    func testForeignReceiverAcknowledgesAndAnswersWithAppRec() async throws {
        let sent = try await harness.sendMessage(TestDocuments.sendBody())
        XCTAssertEqual(sent.status, 202)
        let id = try XCTUnwrap(sent.json?["id"] as? String)

        let found = try await harness.waitForNotifications(SimulatorHarness.own) { found in
            found.contains { $0["type"] as? String == "MessageApprecInfoUpdated" }
        }
        let types = found.compactMap { $0["type"] as? String }
        XCTAssertEqual(
            types,
            ["MessageSentStateUpdated", "MessageDeliveryStateUpdated", "NewMessage", "MessageApprecInfoUpdated"])

        let status = try await harness.request(.GET, "/messages/\(id)/status")
        XCTAssertEqual(status.status, 200)
        let entry = try XCTUnwrap((status.json?["statusList"] as? [[String: Any]])?.first)
        XCTAssertEqual(entry["receiverHerId"] as? Int, SimulatorHarness.foreign)
        XCTAssertEqual(entry["transportDeliveryState"] as? String, "Acknowledged")
        XCTAssertEqual(entry["sent"] as? Bool, true)
        let apprecInfo = try XCTUnwrap(entry["apprecInfo"] as? [String: Any])
        XCTAssertEqual(apprecInfo["appRecStatus"] as? String, "Ok")
        let appRecId = try XCTUnwrap(apprecInfo["appRecId"] as? String)

        let newMessage = try XCTUnwrap(found.first { $0["type"] as? String == "NewMessage" })
        XCTAssertEqual(newMessage["relatedMessageId"] as? String, appRecId)
        let download = try await harness.request(.GET, "/messages/\(appRecId)/business-document")
        let base64 = try XCTUnwrap(download.json?["businessDocument"] as? String)
        let xml = String(decoding: try XCTUnwrap(Data(base64Encoded: base64)), as: UTF8.self)
        let info = XMLCheckInspector().inspect(Array(xml.utf8))
        guard case .appRec(let appRec) = info else { return XCTFail("not an AppRec: \(info)") }
        XCTAssertEqual(appRec.originalMsgId, "msg-1")
        XCTAssertEqual(appRec.status, "1")
        XCTAssertEqual(appRec.id, appRecId)

        // The original sender's outbound record is untouched by the simulated answer.
        let received = await harness.simulator.receivedMessages()
        XCTAssertEqual(received.map(\.id), [id])
    }

    func testUnknownReceiverIsRefused() async throws {
        let document = TestDocuments.msgHead(receiverHerId: 9999)
        let sent = try await harness.sendMessage(TestDocuments.sendBody(document: document, receiverHerIds: [9999]))
        XCTAssertEqual(sent.status, 202)
        let found = try await harness.poll(SimulatorHarness.own)
        XCTAssertEqual(found.map { $0["type"] as? String }, ["RefusedMessage"])
        XCTAssertEqual(found.first?["relatedMessageId"] as? String, sent.json?["id"] as? String)
        XCTAssertTrue((found.first?["description"] as? String ?? "").contains("9999"))
    }

    func appRecBody(sender: Int, status: String = "Ok", errors: [[String: Any]] = []) -> [String: Any] {
        [
            "appRecSenderHerId": sender, "appRecStatus": status, "appRecErrorList": errors,
            "applicationName": "dropbridge-tests", "applicationVersion": "1.0",
        ]
    }

    func testAppRecRoutesEnforceTheRules() async throws {
        let id = try await harness.inject(document: TestDocuments.msgHead(msgId: "in-1", senderHerId: 2002))

        let notReceiver = try await harness.post(
            "/messages/\(id)/apprec", json: appRecBody(sender: SimulatorHarness.ownOther))
        XCTAssertEqual(notReceiver.errorCode, 1102, String(decoding: notReceiver.body, as: UTF8.self))
        let okWithErrors = try await harness.post(
            "/messages/\(id)/apprec",
            json: appRecBody(sender: SimulatorHarness.own, errors: [["errorCode": "E10", "details": "x"]]))
        XCTAssertEqual(okWithErrors.status, 400)
        XCTAssertEqual(okWithErrors.errorCode, 1001)
        let rejectedWithout = try await harness.post(
            "/messages/\(id)/apprec", json: appRecBody(sender: SimulatorHarness.own, status: "Rejected"))
        XCTAssertEqual(rejectedWithout.status, 400)
        XCTAssertEqual(rejectedWithout.errorCode, 1001)

        let accepted = try await harness.post("/messages/\(id)/apprec", json: appRecBody(sender: SimulatorHarness.own))
        XCTAssertEqual(accepted.status, 202, String(decoding: accepted.body, as: UTF8.self))
        let appRecId = try XCTUnwrap(accepted.json?["id"] as? String)
        let recorded = await harness.simulator.receivedAppRecs()
        XCTAssertEqual(recorded.map(\.id), [appRecId])
        XCTAssertEqual(recorded.first?.originalMessageId, id)
        XCTAssertEqual(recorded.first?.appRecStatus, "Ok")
        let simAppRecs = try await harness.request(.GET, "/_sim/apprecs", headers: [])
        XCTAssertEqual(simAppRecs.status, 200)

        let appRecMessage = try await harness.inject(document: TestDocuments.appRec())
        let forAppRec = try await harness.post(
            "/messages/\(appRecMessage)/apprec", json: appRecBody(sender: SimulatorHarness.own))
        XCTAssertEqual(forAppRec.errorCode, 1100, String(decoding: forAppRec.body, as: UTF8.self))
    }

    func testInjectOverHTTP() async throws {
        let reply = try await harness.post(
            "/_sim/inject",
            json: [
                "senderHerId": SimulatorHarness.foreign, "receiverHerIds": [SimulatorHarness.own],
                "document": TestDocuments.msgHead(msgId: "http-1", senderHerId: 2002),
            ], headers: [("Content-Type", "application/json")])
        XCTAssertEqual(reply.status, 201, String(decoding: reply.body, as: UTF8.self))
        let id = try XCTUnwrap(reply.json?["id"] as? String)
        let found = try await harness.poll(SimulatorHarness.own)
        XCTAssertEqual(found.first?["relatedMessageId"] as? String, id)
    }
}
