import Foundation
import XCTest

@testable import Simulator

/// Per-message faults and abandoning counterparties behave as the real service's trouble does.
final class MessageFaultTests: XCTestCase {
    var harness: SimulatorHarness!

    override func setUp() async throws {
        harness = try await SimulatorHarness.startInbound()
        try await harness.configure([SimulatorHarness.own])
    }

    override func tearDown() async throws {
        try await harness?.shutDown()
        harness = nil
    }

    func testADocumentFaultAnswersEveryTimeAndOnlyForThatMessage() async throws {
        let faulty = try await harness.inject(document: TestDocuments.msgHead(msgId: "fault-1"))
        let fine = try await harness.inject(document: TestDocuments.msgHead(msgId: "fault-2"))
        await harness.simulator.setMessageFault(MessageFault(documentStatus: 404), for: faulty.uppercased())
        for _ in 0..<3 {
            let reply = try await harness.request(.GET, "/messages/\(faulty)/business-document")
            XCTAssertEqual(reply.status, 404)
            XCTAssertEqual(reply.errorCode, 1010, "a ProblemDetails like a real 404")
        }
        let other = try await harness.request(.GET, "/messages/\(fine)/business-document")
        XCTAssertEqual(other.status, 200)
        let reply1 = try await harness.request(.GET, "/messages/\(faulty)")
        XCTAssertEqual(reply1.status, 200, "only the document")

        await harness.simulator.setMessageFault(MessageFault(documentStatus: 503), for: faulty)
        let reply2 = try await harness.request(.GET, "/messages/\(faulty)/business-document")
        XCTAssertEqual(reply2.status, 503)
        await harness.simulator.setMessageFault(MessageFault(documentNotBase64: true, nullStatusList: true), for: faulty)
        let garbled = try await harness.request(.GET, "/messages/\(faulty)/business-document")
        XCTAssertEqual(garbled.status, 200)
        XCTAssertNil(Data(base64Encoded: garbled.json?["businessDocument"] as? String ?? ""))
        let status = try await harness.request(.GET, "/messages/\(faulty)/status")
        XCTAssertEqual(status.status, 200)
        XCTAssertTrue(String(decoding: status.body, as: UTF8.self).contains(#""statusList":null"#), String(decoding: status.body, as: UTF8.self))
        await harness.simulator.setMessageFault(nil, for: faulty)
        let reply3 = try await harness.request(.GET, "/messages/\(faulty)/business-document")
        XCTAssertEqual(reply3.status, 200)
    }

    func testAnInjectedMessageKeepsTheIdAskedFor() async throws {
        let id = UUID().uuidString.lowercased()
        let got = try await harness.simulator.inject(
            InjectRequest(senderHerId: SimulatorHarness.foreign, receiverHerIds: [SimulatorHarness.own], document: TestDocuments.msgHead(msgId: "id-1"), messageId: id))
        XCTAssertEqual(got, id)
        do {
            _ = try await harness.simulator.inject(
                InjectRequest(senderHerId: SimulatorHarness.foreign, receiverHerIds: [SimulatorHarness.own], document: TestDocuments.msgHead(msgId: "id-2"), messageId: "../x"))
            XCTFail("a message id must be a GUID")
        } catch {}
    }
}
