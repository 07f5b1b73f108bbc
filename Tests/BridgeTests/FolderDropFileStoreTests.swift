import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import XCTest

/// What the real file store tells about claimed files before reading them.
final class FolderDropFileStoreTests: XCTestCase {
    func testTheSizeOfAClaimedGzipDocumentIncludesWhatItInflatesTo() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let config = BridgeConfig(root: root)
        try FolderLayout.prepare(config)
        let store = FolderDropFileStore(config: config, io: BlockingIO.started(threads: 1))
        let xml = Array(String(repeating: "<a>tekst</a>", count: 5_000).utf8)
        let gz = try Gzipper.gzip(xml)
        let claim = store.area.directory(of: "d1")
        try FileManager.default.createDirectory(atPath: claim, withIntermediateDirectories: true)
        try Data(gz).write(to: URL(fileURLWithPath: claim + "/document.xml.gz"))
        try Data(xml).write(to: URL(fileURLWithPath: claim + "/document.xml"))

        let zipped = await store.size(claimId: "d1", file: "document.xml.gz")
        XCTAssertEqual(zipped, ClaimedFileSize(bytes: gz.count, inflatedBytes: xml.count))
        let plain = await store.size(claimId: "d1", file: "document.xml")
        XCTAssertEqual(plain, ClaimedFileSize(bytes: xml.count))
        let missing = await store.size(claimId: "d1", file: "sidecar.json")
        XCTAssertNil(missing)
    }

    func testAnOversizedSidecarNamesTheSidecarLimitNotTheDocumentsOne() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("store-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let config = BridgeConfig(root: root)
        try FolderLayout.prepare(config)
        let store = FolderDropFileStore(config: config, io: BlockingIO.started(threads: 1))
        let claim = store.area.directory(of: "d2")
        try FileManager.default.createDirectory(atPath: claim, withIntermediateDirectories: true)
        try Data(repeating: 0x20, count: 2_000).write(to: URL(fileURLWithPath: claim + "/sidecar.json"))
        do {
            _ = try await store.read(claimId: "d2", file: "sidecar.json", limit: 1_000, shownAs: "big.json")
            XCTFail("an oversized sidecar was read")
        } catch {
            guard case .refused(let failure, _) = error else { return XCTFail("\(error)") }
            XCTAssertTrue(failure.reason.contains("sidecar"), failure.reason)
            XCTAssertFalse(failure.reason.contains("outbox.maxBytes"), failure.reason)
        }
    }
}
