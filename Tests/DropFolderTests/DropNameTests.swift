import DropbridgeCore
import XCTest

final class DropNameTests: XCTestCase {
    func testClassifiesKindsLongestSuffixFirst() {
        XCTAssertEqual(DropEntryClass(entryName: "a b.xml"), .drop(DropName("a b"), .document))
        XCTAssertEqual(DropEntryClass(entryName: "a.xml.gz"), .drop(DropName("a"), .gzDocument))
        XCTAssertEqual(DropEntryClass(entryName: "a.json"), .drop(DropName("a"), .sidecar))
        XCTAssertEqual(DropEntryClass(entryName: "a.apprec.json"), .drop(DropName("a"), .appRec))
        XCTAssertEqual(DropEntryClass(entryName: "brev æøå.xml"), .drop(DropName("brev æøå"), .document))
    }

    func testIgnoresDotAndTempNamesAndForeignFiles() {
        for name in [".a.xml", ".json", "a.xml.tmp", "a.json.part", "a.partial", "x.crdownload", ".a.xml.swp", "b.swp"] {
            XCTAssertEqual(DropEntryClass(entryName: name), .ignored, name)
        }
        for name in ["notes.txt", "a.XML", "a.gz", "readme"] {
            XCTAssertEqual(DropEntryClass(entryName: name), .notOurs, name)
        }
    }

    func testInvalidUTF8GetsPercentEscapes() {
        let raw: [UInt8] = Array("brev-".utf8) + [0xFF, 0xC3] + Array("-x".utf8)
        let name = DropName(bytes: raw)
        XCTAssertFalse(name.isValid)
        XCTAssertEqual(name.safe, "brev-%FF%C3-x")
        XCTAssertNotNil(name.invalidReason)
        if case let .drop(fromEntry, kind) = DropEntryClass(entryName: raw + Array(".xml".utf8)) {
            XCTAssertEqual(fromEntry, name)
            XCTAssertEqual(kind, .document)
        } else {
            XCTFail("not classified as a document")
        }
    }

    func testLongNamesAreCutOnACharacterBoundaryWithAHash() {
        let long = String(repeating: "ø", count: 150)  // 300 bytes
        let name = DropName(long)
        XCTAssertFalse(name.isValid)
        let parts = name.safe.split(separator: "~")
        XCTAssertEqual(parts.count, 2)
        XCTAssertEqual(parts[0].utf8.count, 180)
        XCTAssertEqual(String(parts[0]), String(repeating: "ø", count: 90))
        XCTAssertEqual(parts[1].count, 8)
        XCTAssertTrue(parts[1].allSatisfy(\.isHexDigit))
        // Same prefix, different tail → different safe names.
        let other = DropName(String(repeating: "ø", count: 149) + "x")
        XCTAssertNotEqual(name.safe, other.safe)
        // 200 bytes is still fine; 201 is not.
        XCTAssertTrue(DropName(String(repeating: "a", count: 200)).isValid)
        XCTAssertFalse(DropName(String(repeating: "a", count: 201)).isValid)
        // A cut never splits a character: 179 ASCII + 2-byte letters.
        let mixed = DropName(String(repeating: "a", count: 179) + String(repeating: "é", count: 20))
        XCTAssertEqual(mixed.safe.split(separator: "~")[0].utf8.count, 179)
    }

    func testFNV1aIsTheKnownFunction() {
        XCTAssertEqual(DropName.fnv1a32([]), 0x811C_9DC5)
        XCTAssertEqual(DropName.fnv1a32(Array("a".utf8)), 0xE40C_292C)
        XCTAssertEqual(DropName.fnv1a32(Array("foobar".utf8)), 0xBF9C_F968)
    }

    func testSuffixed() {
        XCTAssertEqual(DropName.suffixed("brev", 2), "brev~2")
        XCTAssertEqual(DropName.suffixed("brev", 13), "brev~13")
        XCTAssertEqual(DropName.suffixed("brev", 1), "brev")
        XCTAssertEqual(DropName("x").entryName(.appRec), Array("x.apprec.json".utf8))
    }
}
