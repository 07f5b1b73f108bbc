@testable import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import XCTest

/// "The file already exists" after a crash between a rename and its directory fsync is not
/// "the file is durable": each writer's exists branch fsyncs the file and its folder before
/// the caller goes on (to `PUT …/downloaded`, or to marking a drop filed).
final class ExistingFileDurabilityTests: XCTestCase {
    private var root: String!
    private var durable: DurableFiles!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("exists-\(UUID().uuidString)").path
        for folder in ["inbox", "receipts", "failed", "sent", ".dropbridge/tmp", ".dropbridge/work"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        durable = DurableFiles(tempDirectory: root + "/.dropbridge/tmp", fileMode: 0o640)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    private func place(_ text: String, at relative: String) {
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/" + relative, contents: Data(text.utf8)))
    }

    /// Runs `body` and returns the fsyncs it made (serial tests: nothing else writes meanwhile).
    private func syncs(_ body: () async throws -> Void) async rethrows -> SyncCounter.Counts {
        let before = SyncCounter.shared.counts
        try await body()
        return SyncCounter.shared.counts - before
    }

    func testInboxWriterSyncsAPairItFindsInPlace() async throws {
        let metadata = InboxMetadata(
            messageId: "m1", senderHerId: 1, receiverHerId: 2, msgId: nil, messageType: nil, genDate: nil,
            receivedAt: "2026-12-01T10:00:00Z", valid: true, errors: nil)
        let writer = InboxWriter(inbox: root + "/inbox", durable: durable)
        try writer.write(document: Array("<x/>".utf8), metadata: metadata)
        let counts = try await syncs { try writer.write(document: Array("<x/>".utf8), metadata: metadata) }
        XCTAssertEqual(counts.directories, 2, "inbox/ synced once for each file found in place")
        XCTAssertGreaterThanOrEqual(counts.files, 2, "each existing file fsynced")
    }

    func testReceiptWriterSyncsARefusalAndAnAppRecItFindsInPlace() async throws {
        let writer = ReceiptWriter(receipts: root + "/receipts", durable: durable)
        let refused = RefusedReceipt(name: "brev", messageId: "m1", receiverHerId: 2, description: nil, at: "2026-12-01T10:00:00Z")
        try writer.writeRefused(refused, matched: true, key: "m1")
        var counts = try await syncs { try writer.writeRefused(refused, matched: true, key: "m1") }
        XCTAssertEqual(counts.directories, 1, "createOnce: receipts/ synced for the refusal found in place")

        let apprec = Array("<AppRec/>".utf8)
        XCTAssertEqual(try writer.writeAppRec(apprec, dropName: "brev", senderHerId: 7, messageId: "a1"), "brev.apprec.7.xml")
        counts = try await syncs {
            XCTAssertEqual(try writer.writeAppRec(apprec, dropName: "brev", senderHerId: 7, messageId: "a1"), "brev.apprec.7.xml")
        }
        XCTAssertEqual(counts.directories, 1, "createOrFind: receipts/ synced for the AppRec found in place")
    }

    func testFilingSyncsAnErrorReportItFindsInPlace() async throws {
        let config = BridgeConfig(root: root)
        let store = FolderDropFileStore(config: config, io: .started(threads: 1))
        var drop = DropRecord(name: "brev", originalName: "brev", files: ["brev.xml"], channel: "nhn", now: 1)
        drop.id = 41
        place("{}", at: "failed/brev.error.json")
        let counts = try await syncs { try await store.fileAsFailed(drop, as: "brev", report: Array("{}".utf8)) }
        XCTAssertEqual(counts.directories, 1, "failed/ synced for the report found in place")
        XCTAssertEqual(try String(contentsOfFile: root + "/failed/brev.error.json", encoding: .utf8), "{}")
    }
}
