import AltinnClient
@testable import Bridge
import Crypto
import DropbridgeCore
import Foundation
import Ledger
import XMLCheck
import XCTest

/// An Altinn drop's document is checked as the claimed file is read and uploaded from that file:
/// the prepared drop points at the file (never its bytes), with the SHA-256 and the MD5
/// (Altinn's attachment checksum) taken in the same pass.
final class AltinnPreparationTests: XCTestCase {
    func testAPlainDocumentIsCheckedAsItIsReadAndSentFromTheClaimedFile() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("altinn-prepare-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        var config = BridgeConfig(root: root)
        config.altinn.enabled = true
        config.altinn.resourceId = "dropbridge-correspondence"
        let io = BlockingIO.started(threads: 1)
        let files = FolderDropFileStore(config: config, io: io)
        try FileManager.default.createDirectory(atPath: config.state.work, withIntermediateDirectories: true)
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let drop = try await ledger.reserve(
            originalName: "vedtak", files: [DropFileKind.document.claimedFileName, DropFileKind.sidecar.claimedFileName],
            channel: "altinn", now: 1) { _ in "vedtak" }
        let claim = config.state.work + "/" + drop.claimId
        try FileManager.default.createDirectory(atPath: claim, withIntermediateDirectories: true)
        let xml = Array(("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<brev xmlns=\"urn:example:brev\">"
            + String(repeating: "<avsnitt>æøå</avsnitt>", count: 20_000) + "</brev>\n").utf8)
        try Data(xml).write(to: URL(fileURLWithPath: claim + "/" + DropFileKind.document.claimedFileName))
        try Data(BridgeHarness.altinnSidecar(recipients: [BridgeHarness.org]).utf8)
            .write(to: URL(fileURLWithPath: claim + "/" + DropFileKind.sidecar.claimedFileName))

        let preparer = DropPreparer(
            files: files, validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: config.outbox.maxBytes), config: config, io: io)
        let prepared = try await preparer.prepare(drop)
        guard case .correspondence(_, let document, let checksum) = prepared.payload else { return XCTFail("an Altinn drop") }
        guard case .file(let path, let size) = document else { return XCTFail("sent from the claimed file, not from memory") }
        XCTAssertEqual(path, claim + "/" + DropFileKind.document.claimedFileName)
        XCTAssertEqual(size, xml.count)
        XCTAssertEqual(checksum, Insecure.MD5.hash(data: xml).map { String(format: "%02x", $0) }.joined())
        XCTAssertEqual(prepared.contentHash, SHA256.hash(data: xml).map { String(format: "%02x", $0) }.joined())

        // A document that is not well-formed is refused by the same streamed check.
        try Data("<brev><ikke-lukket></brev>".utf8).write(to: URL(fileURLWithPath: claim + "/" + DropFileKind.document.claimedFileName))
        do {
            _ = try await preparer.prepare(drop)
            XCTFail("refused")
        } catch {
            guard case .refused(let failure, let channel) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(failure.stage, .validation)
            XCTAssertEqual(channel, "altinn")
        }
    }
}
