import Foundation
import XCTest

@testable import Simulator

/// What the bridge relies on to prove that an uncertain send arrived (issue #8): soon after NHN
/// accepts a message to a counterparty, the sender gets a status notification naming it, and
/// `GET /messages/{id}` tells the sender the message's MsgId.
final class ArrivalProofTests: XCTestCase {
    func testEveryAcceptedMessageIsReportedToItsSenderWithItsMsgId() async throws {
        let harness = try await SimulatorHarness.startInbound()
        addTeardownBlock { try? await harness.shutDown() }
        try await harness.configure([SimulatorHarness.own])
        var msgIdsByMessage: [String: String] = [:]
        for index in 0..<10 {
            let msgId = "proof-\(index)"
            let sent = try await harness.sendMessage(TestDocuments.sendBody(document: TestDocuments.msgHead(msgId: msgId)))
            XCTAssertEqual(sent.status, 202)
            msgIdsByMessage[try XCTUnwrap(sent.json?["id"] as? String)] = msgId
        }

        let statusTypes: Set<String> = ["MessageSentStateUpdated", "MessageDeliveryStateUpdated"]
        let found = try await harness.waitForNotifications(SimulatorHarness.own, seconds: 3) { found in
            let reported = Set(found.filter { statusTypes.contains($0["type"] as? String ?? "") }.compactMap { $0["relatedMessageId"] as? String })
            return reported.isSuperset(of: msgIdsByMessage.keys)
        }
        let reported = Set(found.compactMap { $0["relatedMessageId"] as? String })
        XCTAssertTrue(reported.isSuperset(of: msgIdsByMessage.keys), "each accepted message is reported to its sender")

        for (id, msgId) in msgIdsByMessage {
            let metadata = try await harness.request(.GET, "/messages/\(id)")
            XCTAssertEqual(metadata.status, 200)
            XCTAssertEqual(metadata.json?["businessDocumentId"] as? String, msgId, "the sender learns the MsgId")
            XCTAssertEqual(metadata.json?["senderHerId"] as? Int, SimulatorHarness.own)
        }
    }
}
