import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

final class RefusalTests: XCTestCase {
    func testSchemaInvalidReportsElementWithLineAndColumn() throws {
        let bytes = try sampleBytes("91-broken-schema-invalid.xml")
        let text = String(decoding: bytes, as: UTF8.self)
        let result = strictValidator.check(bytes)
        let failure = try XCTUnwrap(result.failure)
        XCTAssertEqual(failure.stage, .validation)
        XCTAssertTrue(failure.reason.contains("schema"), failure.reason)
        XCTAssertNotNil(result.document, "a schema-invalid document is still parsed")
        let expected = try XCTUnwrap(location(of: "<RefToConversation>", in: text))
        let error = try XCTUnwrap(failure.errors.first { $0.message.contains("RefToConversation") }, "\(failure.errors)")
        XCTAssertTrue(error.message.contains("This element is not expected"), error.message)
        XCTAssertTrue(error.message.contains("{http://www.kith.no/xmlstds/msghead/2006-05-24}RefToConversation"), error.message)
        XCTAssertEqual(error.line, expected.line)
        XCTAssertEqual(error.column, expected.column)
    }

    func testSchemaErrorColumnForStartTagSpanningLines() throws {
        let text = msgHead(infoExtra: "    <Ack\n        V=\"J\"/>\n    <Wrong\n      V=\"x\"/>\n")
        let result = strictValidator.check(utf8(text))
        let error = try XCTUnwrap(result.failure?.errors.first { $0.message.contains("Wrong") })
        let expected = try XCTUnwrap(location(of: "<Wrong", in: text))
        XCTAssertEqual(error.line, expected.line)
        XCTAssertEqual(error.column, expected.column)
    }

    func testANulCharacterIsNamedWithItsLine() throws {
        let text = msgHead()
        let text16 = msgHead(declaration: #"<?xml version="1.0" encoding="UTF-16"?>"#)
        func withNul(_ text: String) throws -> (before: Substring, after: Substring, line: Int) {
            let cut = try XCTUnwrap(text.range(of: "<MIGversion>")).upperBound
            return (text[..<cut], text[cut...], text[..<cut].filter { $0 == "\n" }.count + 1)
        }
        let (before, after, line) = try withNul(text)
        let utf8Bytes = Array(before.utf8) + [0] + Array(after.utf8)
        // In UTF-16 a NUL is a zero code unit, not every zero byte.
        let (before16, after16, line16) = try withNul(text16)
        let utf16Bytes = [0xFF, 0xFE] + utf16(String(before16), bigEndian: false) + [0, 0] + utf16(String(after16), bigEndian: false)
        for (bytes, expectedLine) in [(utf8Bytes, line), (utf16Bytes, line16)] {
            let failure = try XCTUnwrap(strictValidator.check(bytes).failure)
            XCTAssertTrue(failure.reason.contains("not well-formed"), failure.reason)
            let first = try XCTUnwrap(failure.errors.first)
            XCTAssertEqual(first.line, expectedLine)
            XCTAssertTrue(first.message.contains("NUL character"), first.message)
        }
        XCTAssertNil(strictValidator.check([0xFF, 0xFE] + utf16(text16, bigEndian: false)).failure, "the zero bytes of UTF-16 are no NUL")
    }

    func testAGzipFileNamedXMLIsToldToBeNamedXMLGz() throws {
        let failure = try XCTUnwrap(strictValidator.check(gzip(utf8(msgHead()))).failure)
        XCTAssertTrue(failure.reason.contains("not well-formed"), failure.reason)
        XCTAssertEqual(failure.errors.first?.message, "the file is gzip-compressed: drop it as NAME.xml.gz")
    }

    func testNotWellFormedReportsLineAndColumn() throws {
        let bytes = try sampleBytes("90-broken-not-well-formed.xml")
        let text = String(decoding: bytes, as: UTF8.self)
        let result = strictValidator.check(bytes)
        let failure = try XCTUnwrap(result.failure)
        XCTAssertEqual(failure.stage, .validation)
        XCTAssertTrue(failure.reason.contains("not well-formed"), failure.reason)
        XCTAssertNil(result.document)
        let expected = try XCTUnwrap(location(of: "</Temaet>", in: text))
        let first = try XCTUnwrap(failure.errors.first)
        XCTAssertTrue(first.message.contains("Tema"), first.message)
        XCTAssertEqual(first.line, expected.line)
        XCTAssertNotNil(first.column)
        XCTAssertEqual(WellFormedness.errors(in: bytes).first?.line, expected.line)
    }

    func testUndeclaredPrefixIsNotWellFormed() {
        let result = strictValidator.check(utf8("<x:a/>"))
        XCTAssertEqual(result.failure?.stage, .validation)
        XCTAssertNil(result.document)
        XCTAssertFalse(WellFormedness.errors(in: utf8("<x:a/>")).isEmpty)
    }

    func testEmptyAndOversizeRefused() {
        XCTAssertEqual(strictValidator.check([]).failure, DropFailure(stage: .validation, reason: "the XML file is empty"))
        let small = XMLValidator(schemas: nil, requireSchema: false, maxBytes: 10)
        let failure = small.check(utf8("<a>0123456789</a>")).failure
        XCTAssertEqual(failure?.stage, .reading)
        XCTAssertTrue(failure?.reason.contains("limit of 10 bytes") ?? false)
        XCTAssertEqual(WellFormedness.errors(in: []).count, 1)
    }

    func testUnknownRootNamespaceRefusedWhenSchemaRequired() throws {
        let bytes = try sampleBytes("94-broken-unknown-namespace.xml")
        let result = strictValidator.check(bytes)
        XCTAssertEqual(result.failure?.stage, .validation)
        XCTAssertTrue(result.failure?.reason.contains("urn:example:dropbridge:not-a-kith-standard") ?? false,
                      String(describing: result.failure))
        XCTAssertEqual(result.document?.rootNamespace, "urn:example:dropbridge:not-a-kith-standard")
        // No namespace at all is refused too, and either passes when no schema is required.
        XCTAssertNotNil(strictValidator.check(utf8("<Melding/>")).failure)
        XCTAssertNil(XMLValidator(schemas: nil, requireSchema: false).check(bytes).failure)
        XCTAssertNotNil(XMLValidator(schemas: nil, requireSchema: true).check(bytes).failure)
    }

    func testPayloadNamespaceOutsideTheSetFailsTheStrictWildcard() throws {
        let text = msgHead().replacingOccurrences(
            of: "http://www.kith.no/xmlstds/dialog/2013-01-23", with: "http://www.kith.no/xmlstds/eresept/m1/2010-05-01")
        let failure = try XCTUnwrap(strictValidator.check(utf8(text)).failure)
        XCTAssertTrue(failure.errors.contains { $0.message.contains("strict wildcard") }, "\(failure.errors)")
    }

    func testUndeclaredLatin1BytesAreNotWellFormed() {
        // "Tromsø" in Latin-1 bytes with no declaration: libxml2 assumes UTF-8 and says so.
        let bytes = utf8("<a>Troms") + [0xF8] + utf8("</a>")
        let result = strictValidator.check(bytes)
        XCTAssertEqual(result.failure?.stage, .validation)
        XCTAssertNil(result.document)
        XCTAssertEqual(result.failure?.errors.first?.line, 1)
    }

    func testGarbageNeverCrashes() {
        let inputs: [[UInt8]] = [
            [0x00], [0xFF, 0xFE], [0xFE, 0xFF, 0x00], [0xEF, 0xBB, 0xBF], utf8("<"), utf8("<?xml"),
            utf8("<?xml version=\"1.0\" encoding=\"no-such-encoding\"?><a/>"),
            Array(repeating: 0x3C, count: 10_000),
            utf8(String(repeating: "<a>", count: 5_000) + String(repeating: "</a>", count: 5_000)),
        ]
        for input in inputs {
            let result = strictValidator.check(input)
            XCTAssertNotNil(result.failure, "\(input.prefix(20))")
        }
    }
}
