@testable import DropFolder
import DropbridgeCore
import Foundation
import Glibc
import XCTest

final class OutboxScannerTests: XCTestCase {
    func testClassifiesOddEntriesWithoutOpeningThem() throws {
        let root = try TempDirectory()
        let outbox = try root.sub("outbox")
        root.write("<a/>", to: outbox, name: "doc.xml")
        root.write("{}", to: outbox, name: "doc.json")
        root.write("partial", to: outbox, name: "doc.xml.part")
        root.write("hidden", to: outbox, name: ".doc.xml")
        root.write("notes", to: outbox, name: "notes.txt")
        XCTAssertEqual(symlink("/etc/hostname", outbox + "/link.xml"), 0)
        // A FIFO with no writer: opening it for reading would block forever.
        XCTAssertEqual(mkfifo(outbox + "/pipe.xml", 0o644), 0)
        XCTAssertEqual(mkdir(outbox + "/folder.xml", 0o755), 0)

        let scanned = try OutboxScanner(directory: outbox).scan()
        let byName = Dictionary(uniqueKeysWithValues: scanned.map { ($0.displayName, $0) })
        XCTAssertEqual(Set(byName.keys), ["doc.xml", "doc.json", "link.xml", "pipe.xml", "folder.xml"])
        XCTAssertEqual(byName["doc.xml"]?.type, .regular)
        XCTAssertEqual(byName["doc.xml"]?.size, 4)
        XCTAssertEqual(byName["doc.xml"]?.kind, .document)
        XCTAssertEqual(byName["doc.json"]?.kind, .sidecar)
        XCTAssertEqual(byName["link.xml"]?.type, .symlink)
        XCTAssertEqual(byName["pipe.xml"]?.type, .fifo)
        XCTAssertEqual(byName["folder.xml"]?.type, .directory)
        XCTAssertNotEqual(byName["doc.xml"]?.inode, 0)
        XCTAssertGreaterThan(byName["doc.xml"]?.mtimeNanoseconds ?? 0, 1_600_000_000 * 1_000_000_000)

        let everything = try OutboxScanner(directory: outbox).scan(includeAll: true)
        XCTAssertEqual(everything.count, 8)
        XCTAssertEqual(everything.first { $0.displayName == "notes.txt" }?.classification, .notOurs)
    }

    func testNamesEndingLikeADropFileInOtherCaseAreListedAsNotOurs() throws {
        let root = try TempDirectory()
        let outbox = try root.sub("outbox")
        for name in ["upper.XML", "mixed.Json", "gz.XML.GZ", "doc.xml", "notes.txt", "x.XML.part"] { root.write("<a/>", to: outbox, name: name) }
        let scanned = try OutboxScanner(directory: outbox).scan()
        XCTAssertEqual(scanned.map(\.displayName), ["doc.xml", "gz.XML.GZ", "mixed.Json", "upper.XML"])
        XCTAssertEqual(scanned.filter { $0.classification == .notOurs }.count, 3, "listed so the outbox can say why, never a drop")
        XCTAssertEqual(DropEntryClass.caseLookalike(Array("gz.XML.GZ".utf8))?.kind, .gzDocument)
        XCTAssertEqual(DropEntryClass.caseLookalike(Array("upper.XML".utf8))?.name, DropName("upper"))
        XCTAssertNil(DropEntryClass.caseLookalike(Array("doc.xml".utf8)), "a drop file is no lookalike")
        XCTAssertNil(DropEntryClass.caseLookalike(Array(".hidden.XML".utf8)), "a dot-name stays ignored")
    }

    func testRawNamesSurviveTheScan() throws {
        let root = try TempDirectory()
        let outbox = try root.sub("outbox")
        let raw: [UInt8] = [0x61, 0xFE] + Array(".json".utf8)
        XCTAssertTrue(root.write("{}", to: outbox, rawName: raw))
        let scanned = try OutboxScanner(directory: outbox).scan()
        XCTAssertEqual(scanned.map(\.rawName), [raw])
        XCTAssertEqual(scanned.first?.dropName?.safe, "a%FE")
    }
}
