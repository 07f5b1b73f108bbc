import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import XMLCheck
import XCTest

/// `NotificationHandler` against a scripted `InboundTransport` (no HTTP, no simulator): which
/// calls each notification causes, in which order, and what is durable when a call fails.
final class NotificationHandlerTests: XCTestCase {
    private var root: String!
    private var ledger: Ledger!
    private let messageId = "0b6f3c1e-2a6d-4f1e-9c1b-5a2f0c7d9e11"
    private let document = Array(#"<?xml version="1.0" encoding="UTF-8"?><note>hello</note>"#.utf8)

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("handler-\(UUID().uuidString)").path
        for folder in ["inbox", "receipts", ".dropbridge/tmp"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        ledger = try Ledger(path: root + "/.dropbridge/ledger.sqlite")
    }

    override func tearDown() {
        ledger = nil
        try? FileManager.default.removeItem(atPath: root)
    }

    private func handler(_ transport: FakeInboundTransport, autoAppRec: Bool = false) -> NotificationHandler {
        let durable = DurableFiles(tempDirectory: root + "/.dropbridge/tmp", fileMode: 0o640)
        return NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.handler"), autoAppRec: autoAppRec)
    }

    private func newMessage(offset: Int64 = 7) -> NHNNotification {
        NHNNotification(relatedMessageId: messageId, type: "NewMessage", notificationReceiverHerId: 8143060, offset: offset)
    }

    private func scripted(document: [UInt8]? = nil) -> FakeInboundTransport {
        var script = FakeInboundTransport.Script()
        script.metadata[messageId] = .success(NHNMessageMetadata(id: messageId, senderHerId: 8094866, businessDocumentId: "msg-1"))
        script.documents[messageId] = .success(document ?? self.document)
        return FakeInboundTransport(script)
    }

    private func inbox() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root + "/inbox").sorted()
    }

    private func trouble(_ work: () async throws -> Void) async -> InboundTrouble? {
        do {
            try await work()
            return nil
        } catch let trouble as InboundTrouble {
            return trouble
        } catch {
            XCTFail("unexpected error \(error)")
            return nil
        }
    }

    /// Metadata, document, both inbox files, the ledger row, and only then the downloaded mark;
    /// the same notification again (NHN repeats them) costs no second download or mark.
    func testNewMessageIsFiledThenMarkedDownloadedOnce() async throws {
        let transport = scripted()
        let handler = handler(transport)
        try await handler.handle(newMessage())
        XCTAssertEqual(
            transport.calls,
            [.message(messageId), .businessDocument(messageId), .markDownloaded(messageId, receiverHerId: 8143060)])
        XCTAssertEqual(try inbox(), [messageId + ".json", messageId + ".xml"])
        XCTAssertEqual(try [UInt8](Data(contentsOf: URL(fileURLWithPath: root + "/inbox/\(messageId).xml"))), document)
        let record = try XCTUnwrap(try ledger.inbound(messageId: messageId))
        XCTAssertNotNil(record.downloadedAt)
        XCTAssertEqual(record.msgId, "msg-1")

        try await handler.handle(newMessage(offset: 9))
        XCTAssertEqual(transport.calls.count, 3, "a repeated NewMessage fetches nothing and marks nothing again")
    }

    /// A graceful stop during the first call: no further call is started, nothing is written,
    /// and the next start handles the notification from the beginning.
    func testAStopBetweenCallsStartsNoFurtherCall() async throws {
        let transport = scripted()
        let shutdown = ShutdownSignal()
        transport.script { $0.onCall = { _ in shutdown.trigger() } }
        var stopping = handler(transport)
        stopping.shutdown = shutdown
        do {
            try await stopping.handle(newMessage())
            XCTFail("the handling went on after the stop")
        } catch is HandlingInterrupted {}
        XCTAssertEqual(transport.calls, [.message(messageId)], "the call in flight finished; no other began")
        XCTAssertEqual(try inbox(), [])

        transport.script { $0.onCall = nil }
        try await handler(transport).handle(newMessage())
        XCTAssertEqual(
            transport.calls,
            [.message(messageId), .message(messageId), .businessDocument(messageId), .markDownloaded(messageId, receiverHerId: 8143060)])
        XCTAssertEqual(try inbox(), [messageId + ".json", messageId + ".xml"])
    }

    /// A failed downloaded mark leaves the durable inbox pair and the ledger row; the next
    /// attempt only marks, it does not download again.
    func testAFailedDownloadedMarkIsRetriedWithoutDownloadingAgain() async throws {
        let transport = scripted()
        transport.script { $0.downloaded = [.failed(.transient(reason: "HTTP 503", retryAfter: nil, requestMayHaveArrived: true))] }
        let handler = handler(transport)
        let failure = await trouble { try await handler.handle(newMessage()) }
        XCTAssertEqual(failure?.permanent, false, "a 503 is tried again, never quarantined")
        XCTAssertEqual(try inbox(), [messageId + ".json", messageId + ".xml"], "the files are durable before NHN is told")
        XCTAssertNil(try ledger.inbound(messageId: messageId)?.downloadedAt)

        try await handler.handle(newMessage())
        XCTAssertEqual(
            transport.calls,
            [
                .message(messageId), .businessDocument(messageId), .markDownloaded(messageId, receiverHerId: 8143060),
                .markDownloaded(messageId, receiverHerId: 8143060),
            ])
        XCTAssertNotNil(try ledger.inbound(messageId: messageId)?.downloadedAt)
    }

    /// NHN refusing the document (404) is permanent: quarantine, nothing written, not marked.
    func testARefusedDownloadIsPermanentAndWritesNothing() async throws {
        let transport = scripted()
        transport.script { $0.documents[self.messageId] = .failure(.refused(httpStatus: 404, problem: nil, reason: "HTTP 404")) }
        let failure = await trouble { try await handler(transport).handle(newMessage()) }
        XCTAssertEqual(failure?.permanent, true)
        XCTAssertEqual(try inbox(), [])
        XCTAssertNil(try ledger.inbound(messageId: messageId))
        XCTAssertFalse(transport.calls.contains(.markDownloaded(messageId, receiverHerId: 8143060)))
    }

    /// A timeout fetching the document is transient: tried again later, not quarantined.
    func testATransientDownloadFailureIsNotPermanent() async throws {
        let transport = scripted()
        transport.script {
            $0.documents[self.messageId] = .failure(.transient(reason: "timed out", retryAfter: nil, requestMayHaveArrived: true))
        }
        let failure = await trouble { try await handler(transport).handle(newMessage()) }
        XCTAssertEqual(failure?.permanent, false)
        XCTAssertEqual(try inbox(), [])
    }

    /// A relatedMessageId that is not a GUID could never be fetched (and would become a path):
    /// permanent at once, without a single call.
    func testAMessageIdThatIsNoGUIDIsPermanentWithoutACall() async throws {
        let transport = FakeInboundTransport()
        for id in [nil, "", "../../etc/passwd"] as [String?] {
            let notification = NHNNotification(relatedMessageId: id, type: "NewMessage", offset: 1)
            let failure = await trouble { try await handler(transport).handle(notification) }
            XCTAssertEqual(failure?.permanent, true, "\(id ?? "nil")")
        }
        XCTAssertEqual(transport.calls, [])
    }

    /// A type NHN may add later is passed over: no call, no error (the offset moves past it).
    func testAnUnknownTypeCausesNoCall() async throws {
        let transport = FakeInboundTransport()
        try await handler(transport).handle(NHNNotification(relatedMessageId: messageId, type: "SomethingNew", offset: 3))
        XCTAssertEqual(transport.calls, [])
    }

    /// With `nhn.autoAppRec`, a document that is not well-formed is still delivered
    /// (`valid: false`) and answered Rejected with T01, once, after the downloaded mark.
    func testAutoAppRecRejectsADocumentThatIsNotWellFormedOnce() async throws {
        let transport = scripted(document: Array("<note>unclosed".utf8))
        let handler = handler(transport, autoAppRec: true)
        try await handler.handle(newMessage())
        let metadata = try JSONDecoder().decode(
            InboxMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/inbox/\(messageId).json")))
        XCTAssertEqual(metadata.valid, false)
        guard case .sendAppRec(let original, let request) = transport.calls.last else {
            return XCTFail("no AppRec sent: \(transport.calls)")
        }
        XCTAssertEqual(original, messageId)
        XCTAssertEqual(request.appRecStatus, .rejected)
        XCTAssertEqual(request.appRecSenderHerId, 8143060)
        XCTAssertEqual(request.appRecErrorList.map(\.errorCode), ["T01"])
        XCTAssertEqual(transport.calls.dropLast().last, .markDownloaded(messageId, receiverHerId: 8143060))

        try await handler.handle(newMessage(offset: 8))
        XCTAssertEqual(transport.calls.filter { if case .sendAppRec = $0 { true } else { false } }.count, 1, "answered once")
    }

    /// An AppRec whose POST certainly never left is no duplicate: the next attempt sends it
    /// without counting a possible duplicate.
    func testAnAppRecThatNeverLeftIsSentAgain() async throws {
        let transport = scripted()
        transport.script { $0.appRec = .transient(reason: "connect refused", retryAfter: nil, requestMayHaveArrived: false) }
        let handler = handler(transport, autoAppRec: true)
        let failure = await trouble { try await handler.handle(newMessage()) }
        XCTAssertEqual(failure?.permanent, false)
        XCTAssertNil(try ledger.inbound(messageId: messageId)?.appRecSentAt)

        transport.script { $0.appRec = .accepted(messageId: "apprec-1") }
        try await handler.handle(newMessage())
        XCTAssertNotNil(try ledger.inbound(messageId: messageId)?.appRecSentAt)
        XCTAssertEqual(try ledger.inboundAppRecPossibleDuplicates(), 0)
        XCTAssertEqual(transport.calls.filter { if case .businessDocument = $0 { true } else { false } }.count, 1)
    }

    /// A status about a message we never sent goes to receipts/unmatched/, with NHN's final
    /// `Abandoned` marked as such and recorded once for `status`.
    func testAStatusAboutAnUnknownMessageIsFiledUnmatched() async throws {
        let transport = FakeInboundTransport()
        transport.script {
            $0.metadata[self.messageId] = .success(NHNMessageMetadata(id: self.messageId))
            $0.statuses[self.messageId] = .success([
                NHNReceiverStatus(receiverHerId: 8094866, transportDeliveryState: "Abandoned", sent: true, apprecInfo: nil)
            ])
        }
        let notification = NHNNotification(relatedMessageId: messageId, type: "MessageDeliveryStateUpdated", offset: 11)
        try await handler(transport).handle(notification, waitForOwnSends: false)
        let file = root + "/receipts/unmatched/\(messageId).status.json"
        let status = try JSONDecoder().decode(StatusReceipt.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        XCTAssertEqual(status.receivers.map(\.transportDeliveryState), ["Abandoned"])
        XCTAssertEqual(status.receivers.map(\.final), [true])
        XCTAssertEqual(status.events.map(\.offset), [11])
        XCTAssertTrue(transport.calls.contains(.status(messageId)))
    }

    /// A refusal naming a message we do not know is kept in receipts/unmatched/ with NHN's words.
    func testARefusalOfAnUnknownMessageIsKeptUnmatched() async throws {
        let transport = FakeInboundTransport()
        let notification = NHNNotification(
            relatedMessageId: messageId, type: "RefusedMessage", notificationTriggeredByHerId: 9999991,
            description: "receiver does not support the message type", createdAt: "2026-12-03T10:00:00Z", offset: 12)
        try await handler(transport).handle(notification, waitForOwnSends: false)
        let file = root + "/receipts/unmatched/\(messageId).refused.json"
        let receipt = try JSONDecoder().decode(RefusedReceipt.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        XCTAssertEqual(receipt.receiverHerId, 9999991)
        XCTAssertEqual(receipt.description, "receiver does not support the message type")
        XCTAssertFalse(transport.calls.contains { if case .businessDocument = $0 { true } else { false } }, "nothing to download")
    }
}
