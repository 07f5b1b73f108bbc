import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

/// A DOCTYPE is refused before anything in it is read: no external entity, no DTD fetch, no
/// entity expansion.
final class SecurityTests: XCTestCase {
    private let secretMarkers = ["root:", "/bin/", "nologin", "daemon"]

    private func assertRefusedAsDoctype(_ bytes: [UInt8], _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let (result, seconds) = timed { strictValidator.check(bytes) }
        XCTAssertLessThan(seconds, 1.0, label, file: file, line: line)
        XCTAssertEqual(result.failure?.stage, .validation, label, file: file, line: line)
        XCTAssertTrue(result.failure?.reason.contains("DOCTYPE") ?? false, "\(label): \(String(describing: result.failure))",
                      file: file, line: line)
        XCTAssertNil(result.document, label, file: file, line: line)
        let everything = String(describing: result)
        for marker in secretMarkers {
            XCTAssertFalse(everything.contains(marker), "\(label) leaks \(marker)", file: file, line: line)
        }
        XCTAssertFalse(WellFormedness.errors(in: bytes).isEmpty, label, file: file, line: line)
    }

    func testXXESampleRefusedFastWithNothingOfPasswd() throws {
        assertRefusedAsDoctype(try sampleBytes("92-broken-xxe.xml"), "sample XXE")
    }

    func testXXEVariantsRefused() {
        let variants = [
            #"<!DOCTYPE a SYSTEM "file:///etc/passwd"><a/>"#,
            #"<!DOCTYPE a [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]><a/>"#,
            #"<!DOCTYPE a [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]><a>&x;</a>"#,
            #"<?xml version="1.0"?><!DOCTYPE a PUBLIC "-//X//Y" "file:///etc/passwd"><a>&x;</a>"#,
            #"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a b="&x;"/>"#,
        ]
        for (index, text) in variants.enumerated() {
            assertRefusedAsDoctype(utf8(text), "variant \(index)")
        }
    }

    func testBillionLaughsRefusedFast() throws {
        assertRefusedAsDoctype(try sampleBytes("93-broken-entity-bomb.xml"), "sample bomb")
        var entities = #"<!ENTITY a0 "ha">"#
        for i in 1...30 {
            entities += "<!ENTITY a\(i) \"" + String(repeating: "&a\(i - 1);", count: 16) + "\">"
        }
        assertRefusedAsDoctype(utf8("<!DOCTYPE a [\(entities)]><a>&a30;</a>"), "deep bomb")
    }

    func testDoctypeBehindBOMCommentsAndPIsRefused() {
        let doctype = #"<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a>&x;</a>"#
        assertRefusedAsDoctype([0xEF, 0xBB, 0xBF] + utf8(doctype), "UTF-8 BOM")
        assertRefusedAsDoctype(utf8("<!-- <a/> -->\n<?pi data?>\n" + doctype), "comment and PI")
        assertRefusedAsDoctype(utf8(#"<?xml version="1.0" encoding="ISO-8859-1"?><!--x-->"# + doctype), "Latin-1")
        assertRefusedAsDoctype([0xFF, 0xFE] + utf16("<!--x-->" + doctype, bigEndian: false), "UTF-16LE with BOM")
        assertRefusedAsDoctype([0xFE, 0xFF] + utf16(doctype, bigEndian: true), "UTF-16BE with BOM")
    }

    func testHarmlessLookingDoctypeIsStillRefused() {
        assertRefusedAsDoctype(utf8("<!DOCTYPE MsgHead><MsgHead/>"), "bare DOCTYPE")
    }

    func testDeepNestingRefusedWithoutCrash() {
        let depth = 100_000
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let (result, seconds) = timed { XMLValidator(schemas: nil, requireSchema: false).check(utf8(text)) }
        XCTAssertEqual(result.failure?.stage, .validation)
        XCTAssertLessThan(seconds, 5)
    }
}
