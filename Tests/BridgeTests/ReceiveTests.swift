import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Simulator
import XCTest

/// The inbound side end to end against the simulator's counterparties.
final class ReceiveTests: XCTestCase {
    func harness(
        _ mode: BridgeConfig.ReceiveMode, autoAppRec: Bool = false, streamIdleSeconds: Double = 120, stream: StreamSettings? = nil
    ) async throws -> BridgeHarness {
        let harness = try await BridgeHarness { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = mode
            config.nhn.pollSeconds = 1
            config.nhn.autoAppRec = autoAppRec
            config.nhn.streamIdleSeconds = streamIdleSeconds
        }
        addTeardownBlock { await harness.shutdown() }
        if let stream { await harness.simulator.setStreamSettings(stream) }
        try await harness.start()
        return harness
    }

    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    func testAMessageToOurOwnHerIdArrivesInTheInboxOnceAndIsMarkedDownloaded() async throws {
        for mode in [BridgeConfig.ReceiveMode.stream, .poll] {
            let harness = try await harness(mode)
            try harness.drop("to-self", xml: try OutboxTests.msgHead(msgId: "self-\(mode)", receiver: 8143060), sidecar: #"{"receiverHerIds":[8143060]}"#)
            try await harness.waitUntilFiled("to-self", in: harness.config.folders.sent)
            let messageId = try harness.sentReceipt("to-self").messageId
            let inbox = harness.config.folders.inbox
            try await harness.waitUntil("\(mode): the message is in inbox/ and marked downloaded") {
                let marks = await harness.simulator.downloadedMarks()
                return self.exists(inbox + "/\(messageId).json") && marks[messageId] != nil
            }
            XCTAssertTrue(exists(inbox + "/\(messageId).xml"))
            let metadata = try JSONDecoder().decode(InboxMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: inbox + "/\(messageId).json")))
            XCTAssertEqual(metadata.msgId, "self-\(mode)")
            XCTAssertEqual(metadata.receiverHerId, 8143060)
            XCTAssertTrue(metadata.valid)
            XCTAssertEqual(harness.files(in: inbox).count, 2)
        }
    }

    func testAStreamCutEveryEventLosesAndDuplicatesNothing() async throws {
        let harness = try await harness(.stream)
        await harness.simulator.setStreamSettings(StreamSettings(heartbeatSeconds: 1, cutAfterEvents: 1))
        let names = (1...6).map { "cut-\($0)" }
        for (index, name) in names.enumerated() {
            try harness.drop(name, xml: try OutboxTests.msgHead(msgId: "cut-\(index)", receiver: 8143060), sidecar: #"{"receiverHerIds":[8143060]}"#)
        }
        for name in names { try await harness.waitUntilFiled(name, in: harness.config.folders.sent) }
        let ids = try names.map { try harness.sentReceipt($0).messageId }
        try await harness.waitUntil("every message is in inbox/ and marked downloaded", timeout: .seconds(60)) {
            let marks = await harness.simulator.downloadedMarks()
            return ids.allSatisfy { marks[$0] != nil && self.exists(harness.config.folders.inbox + "/\($0).json") }
        }
        XCTAssertEqual(harness.files(in: harness.config.folders.inbox).count, ids.count * 2, "one pair per message")
        let marks = await harness.simulator.downloadedMarks()
        for id in ids { XCTAssertEqual(marks[id], [8143060]) }
        let offset = try harness.ledger.receiveOffset(herIds: [8143060])
        let last = await harness.simulator.notifications().filter { $0.notificationReceiverHerId == 8143060 }.map(\.offset).max()
        XCTAssertEqual(offset, last, "the stored offset reached the last notification")
    }

    func testWhileTheStreamIsRefusedItPollsAndThenGoesBackToTheStream() async throws {
        let harness = try await BridgeHarness { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = .stream
        }
        addTeardownBlock { await harness.shutdown() }
        await harness.simulator.setStreamSettings(StreamSettings(heartbeatSeconds: 1, refuseWithStatus: 503))
        try await harness.start()
        let first = try await harness.simulator.inject(
            InjectRequest(senderHerId: 8094866, receiverHerIds: [8143060], document: String(decoding: try OutboxTests.msgHead(msgId: "fb-1", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        try await harness.waitUntil("received by polling while the stream is refused") {
            self.exists(harness.config.folders.inbox + "/\(first).json")
        }
        let openWhileRefused = await harness.simulator.openStreamCount()
        XCTAssertEqual(openWhileRefused, 0)
        XCTAssertEqual(try harness.ledger.receiveState()?.state, "polling", "status tells the operator")
        await harness.simulator.setStreamSettings(StreamSettings(heartbeatSeconds: 1))
        try await harness.waitUntil("the stream is open again", timeout: .seconds(60)) { await harness.simulator.openStreamCount() > 0 }
        let second = try await harness.simulator.inject(
            InjectRequest(senderHerId: 8094866, receiverHerIds: [8143060], document: String(decoding: try OutboxTests.msgHead(msgId: "fb-2", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        try await harness.waitUntil("received through the stream") { self.exists(harness.config.folders.inbox + "/\(second).json") }
        XCTAssertEqual(try harness.ledger.receiveState()?.state, "streaming")
        XCTAssertNotNil(try harness.ledger.receiveState()?.offsets[Ledger.offsetKey([8143060])])
    }

    /// A stream that stays open but goes silent (a half-open connection) is given up after
    /// `nhn.streamIdleSeconds` and reopened; what arrived meanwhile is delivered.
    func testASilentStreamIsReopened() async throws {
        let harness = try await harness(.stream, streamIdleSeconds: 1, stream: StreamSettings(heartbeatSeconds: 0.2, stallStreams: 1))
        let id = try await harness.simulator.inject(
            InjectRequest(senderHerId: 8094866, receiverHerIds: [8143060], document: String(decoding: try OutboxTests.msgHead(msgId: "stall-1", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        try await harness.waitUntil("received after the silent stream was given up", timeout: .seconds(20)) {
            self.exists(harness.config.folders.inbox + "/\(id).json")
        }
        let left = await harness.simulator.streamSettings().stallStreams
        XCTAssertEqual(left, 0, "the first stream was the silent one")
        // A silence counts as a failed round (polled meanwhile); then the stream again.
        try await harness.waitUntil("streaming again") { try harness.ledger.receiveState()?.state == "streaming" }
    }

    /// Graceful shutdown does not wait for a quiet stream's next event.
    func testShutdownEndsAQuietStream() async throws {
        let harness = try await harness(.stream, streamIdleSeconds: 600, stream: StreamSettings(heartbeatSeconds: 600, stallStreams: 1))
        try await harness.waitUntil("the stream is open") { await harness.simulator.openStreamCount() == 1 }
        actor Done { var value = false; func set() { value = true } }
        let done = Done()
        let stopping = Task {
            try await harness.stop()
            await done.set()
        }
        try await harness.waitUntil("the bridge stopped", timeout: .seconds(15)) { await done.value }
        try await stopping.value
    }

    func testAForeignReceiverAnswersWithStatusAndAnAppRec() async throws {
        let harness = try await harness(.stream)
        try harness.drop("to-hospital", xml: try OutboxTests.msgHead(msgId: "foreign-1", receiver: 8094866), sidecar: #"{"receiverHerIds":[8094866]}"#)
        let receipts = harness.config.folders.receipts
        try await harness.waitUntil("the AppRec is beside the drop and the status says Ok", timeout: .seconds(60)) {
            guard self.exists(receipts + "/to-hospital.apprec.8094866.xml"),
                let data = FileManager.default.contents(atPath: receipts + "/to-hospital.status.json"),
                let status = try? JSONDecoder().decode(StatusReceipt.self, from: data)
            else { return false }
            return status.receivers.first?.apprecStatus == "Ok" && status.receivers.first?.transportDeliveryState == "Acknowledged"
        }
        XCTAssertEqual(harness.files(in: harness.config.folders.inbox), [], "an AppRec never goes to inbox/")
    }

    func testAnAppRecDropAnswersAReceivedMessage() async throws {
        let harness = try await harness(.stream)
        let received = try await harness.simulator.inject(
            InjectRequest(
                senderHerId: 8094866, receiverHerIds: [8143060],
                document: String(decoding: try OutboxTests.msgHead(msgId: "to-answer", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        try await harness.waitUntil("the message is in inbox/") { self.exists(harness.config.folders.inbox + "/\(received).json") }
        // Answered with an AppRec drop, as an EPJ would.
        try harness.put(Data(#"{"messageId":"\#(received)","receiverHerId":8143060,"status":"Rejected","errors":[{"code":"E35","details":"Ukjent pasient"}]}"#.utf8), as: "answer.apprec.json")
        try harness.put(Data(#"{"messageId":"\#(received)","receiverHerId":8143060,"status":"Ok","errors":[{"code":"T02"}]}"#.utf8), as: "bad-ok.apprec.json")
        let receipts = harness.config.folders.receipts
        try await harness.waitUntil("the AppRec is accepted") { self.exists(receipts + "/answer.apprec-sent.json") }
        let receipt = try JSONDecoder().decode(AppRecSentReceipt.self, from: Data(contentsOf: URL(fileURLWithPath: receipts + "/answer.apprec-sent.json")))
        XCTAssertEqual(receipt.messageId, received)
        XCTAssertFalse(receipt.appRecId.isEmpty)
        XCTAssertTrue(exists(harness.config.folders.sent + "/answer.apprec.json"))
        let sent = await harness.simulator.receivedAppRecs()
        XCTAssertEqual(sent.map(\.appRecStatus), ["Rejected"])
        XCTAssertEqual(sent.first?.appRecErrorList.first?.errorCode, "E35")
        try await harness.waitUntilFiled("bad-ok", in: harness.config.folders.failed)
        XCTAssertTrue(try harness.errorReport("bad-ok").reason.contains("Ok receipt carries no errors"))
    }

    func testAutoAppRecAnswersOkOrRejectedButNeverAnAppRec() async throws {
        let harness = try await harness(.stream, autoAppRec: true)
        let good = try await harness.simulator.inject(
            InjectRequest(
                senderHerId: 8094866, receiverHerIds: [8143060],
                document: String(decoding: try OutboxTests.msgHead(msgId: "auto-good", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        var invalid = try String(contentsOfFile: BridgeHarness.samples + "/outbox/91-broken-schema-invalid.xml", encoding: .utf8)
        invalid = invalid.replacingOccurrences(of: "<Id>8143060</Id>", with: "<Id>8094866</Id>").replacingOccurrences(of: "<Id>8143025</Id>", with: "<Id>8143060</Id>")
        let bad = try await harness.simulator.inject(InjectRequest(senderHerId: 8094866, receiverHerIds: [8143060], document: invalid, messageTypeIdentificator: "DIALOG_HELSEFAGLIG"))
        try await harness.waitUntil("both are answered") { await harness.simulator.receivedAppRecs().count >= 2 }
        let answers = await harness.simulator.receivedAppRecs()
        XCTAssertEqual(answers.first { $0.originalMessageId == good }?.appRecStatus, "Ok")
        let rejected = answers.first { $0.originalMessageId == bad }
        XCTAssertEqual(rejected?.appRecStatus, "Rejected")
        XCTAssertEqual(rejected?.appRecErrorList.first?.errorCode, "T02")
        let metadata = try JSONDecoder().decode(InboxMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: harness.config.folders.inbox + "/\(bad).json")))
        XCTAssertFalse(metadata.valid, "an invalid document is still delivered, flagged")
        XCTAssertFalse(metadata.errors?.isEmpty ?? true)
        // An AppRec arriving for us is never answered with an AppRec.
        try harness.drop("ask", xml: try OutboxTests.msgHead(msgId: "auto-ask", receiver: 8094866), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntil("the counterparty's AppRec arrived") { self.exists(harness.config.folders.receipts + "/ask.apprec.8094866.xml") }
        let after = await harness.simulator.receivedAppRecs()
        XCTAssertEqual(after.count, 2)
    }

    func testAnUnknownReceiverIsRefused() async throws {
        let harness = try await harness(.stream)
        try harness.drop("to-nowhere", xml: try OutboxTests.msgHead(msgId: "nowhere-1", receiver: 9999999), sidecar: #"{"receiverHerIds":[9999999]}"#)
        let receipts = harness.config.folders.receipts
        try await harness.waitUntil("the refusal is beside the drop", timeout: .seconds(60)) {
            self.exists(receipts + "/to-nowhere.refused.json")
        }
        let refused = try JSONDecoder().decode(RefusedReceipt.self, from: Data(contentsOf: URL(fileURLWithPath: receipts + "/to-nowhere.refused.json")))
        XCTAssertEqual(refused.name, "to-nowhere")
        XCTAssertFalse(refused.description?.isEmpty ?? true)
    }
}
