@testable import DropFolder
import DropbridgeCore
import Foundation
import Glibc
import XCTest

final class DurableFilesTests: XCTestCase {
    func testCreateWritesTheBytesAndLeavesNoTemp() throws {
        let root = try TempDirectory()
        let tmp = try root.sub(".dropbridge/tmp")
        let receipts = try root.sub("receipts")
        let files = DurableFiles(tempDirectory: tmp)
        try files.create(Array("{\"a\":1}".utf8), in: receipts, named: "brev.sent.json")
        XCTAssertEqual(readString(receipts + "/brev.sent.json"), "{\"a\":1}")
        XCTAssertEqual(entries(tmp), [])
    }

    func testCreateNeverOverwrites() throws {
        let root = try TempDirectory()
        let tmp = try root.sub("tmp")
        let sent = try root.sub("sent")
        root.write("older", to: sent, name: "brev.xml")
        let files = DurableFiles(tempDirectory: tmp)
        XCTAssertThrowsError(try files.create(Array("newer".utf8), in: sent, named: "brev.xml")) { error in
            XCTAssertEqual(error as? DurableFileError, .exists(path: sent + "/brev.xml"))
        }
        XCTAssertEqual(readString(sent + "/brev.xml"), "older")
        XCTAssertEqual(entries(tmp), [], "the temp file is cleaned up after a refused publish")
    }

    func testModeIsTheConfiguredOneWhateverTheUmask() throws {
        let root = try TempDirectory()
        let tmp = try root.sub("tmp")
        let out = try root.sub("out")
        let old = umask(0o077)
        defer { umask(old) }
        try DurableFiles(tempDirectory: tmp, fileMode: 0o640).create(Array("x".utf8), in: out, named: "a.json")
        var info = stat()
        XCTAssertEqual(stat(out + "/a.json", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o640)
    }

    func testReplaceSwapsContentsAtomically() throws {
        let root = try TempDirectory()
        let tmp = try root.sub("tmp")
        let receipts = try root.sub("receipts")
        let files = DurableFiles(tempDirectory: tmp)
        try files.replace(Array("one".utf8), in: receipts, named: "a.status.json")
        try files.replace(Array("two".utf8), in: receipts, named: "a.status.json")
        XCTAssertEqual(readString(receipts + "/a.status.json"), "two")
        XCTAssertEqual(entries(receipts), ["a.status.json"])
    }

    func testMoveIsNoClobberAndKeepsRawNames() throws {
        let root = try TempDirectory()
        let from = try root.sub("from")
        let to = try root.sub("to")
        let raw: [UInt8] = [0x62, 0xFF, 0x2E, 0x78, 0x6D, 0x6C]  // "b\xFF.xml"
        XCTAssertTrue(root.write("doc", to: from, rawName: raw))
        root.write("taken", to: to, name: "b.xml")
        XCTAssertThrowsError(try DurableFiles.move(raw, from: from, to: to, as: Array("b.xml".utf8))) { error in
            guard case .exists = error as? DurableFileError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(readString(to + "/b.xml"), "taken")
        try DurableFiles.move(raw, from: from, to: to, as: Array("b%FF.xml".utf8))
        XCTAssertEqual(readString(to + "/b%FF.xml"), "doc")
        XCTAssertEqual(entries(from), [])
        XCTAssertThrowsError(try DurableFiles.move(raw, from: from, to: to, as: Array("c.xml".utf8))) { error in
            guard case .notFound = error as? DurableFileError else { return XCTFail("\(error)") }
        }
    }

    func testFreeNameLooksInEveryFolder() throws {
        let root = try TempDirectory()
        var config = BridgeConfig(root: root.path)
        config.folders = BridgeConfig.Folders(root: root.path)
        for (_, path) in config.folders.all { _ = try root.sub(String(path.dropFirst(root.path.count + 1))) }
        let checks = NameCheck.contract(config.folders)
        XCTAssertEqual(try FreeName.pick(for: "brev", checking: checks), "brev")
        root.write("x", to: config.folders.sent, name: "brev.xml")
        root.write("x", to: config.folders.failed, name: "brev~2.error.json")
        root.write("x", to: config.folders.receipts, name: "brev~3.sent.json")
        XCTAssertEqual(try FreeName.pick(for: "brev", checking: checks), "brev~4")
        XCTAssertEqual(try FreeName.pick(for: "brev", checking: checks, isTaken: { $0 == "brev~4" }), "brev~5")
        XCTAssertEqual(try FreeName.pick(for: "annet", checking: checks), "annet")
    }
}
