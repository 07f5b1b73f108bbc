@testable import Bridge
import DropbridgeCore
import Foundation
import Glibc
import XCTest

/// The claimed file is checked again on its open descriptor: a hard link made between the scan
/// and the claim is refused, never read.
final class ClaimedFileReaderTests: XCTestCase {
    func testAFileWithASecondLinkIsRefusedAtReading() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("claimed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        try Data("<a/>".utf8).write(to: URL(fileURLWithPath: directory + "/document.xml"))
        guard case .success(let bytes) = ClaimedFileReader.read(directory + "/document.xml", shownAs: "d.xml", limit: 100) else {
            return XCTFail("a file with one link is read")
        }
        XCTAssertEqual(bytes, Array("<a/>".utf8))

        XCTAssertEqual(link(directory + "/document.xml", directory + "/other"), 0)
        guard case .failure(.refused(let failure, _)) = ClaimedFileReader.read(directory + "/document.xml", shownAs: "d.xml", limit: 100) else {
            return XCTFail("a file with two links is refused")
        }
        XCTAssertEqual(failure.stage, .reading)
        XCTAssertTrue(failure.reason.contains("d.xml has 2 hard links"), failure.reason)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/other"), "the other link is left alone")
    }
}
