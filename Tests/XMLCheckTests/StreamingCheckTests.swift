import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

/// Bytes handed out in small, uneven pieces, as a file might give them; optionally failing
/// after a number of bytes, as a disk might.
private final class PieceSource: XMLByteSource {
    let bytes: [UInt8]
    var position = 0
    var failAfter: Int?
    private var piece = 0

    init(_ bytes: [UInt8], failAfter: Int? = nil) {
        self.bytes = bytes
        self.failAfter = failAfter
    }

    struct DiskTrouble: Error {}

    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        if let failAfter, position >= failAfter { throw DiskTrouble() }
        piece = piece % 7 + 1
        let count = min(buffer.count, bytes.count - position, piece * 997)
        guard count > 0 else { return 0 }
        bytes.withUnsafeBytes { buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<position + count])) }
        position += count
        return count
    }
}

/// `check(size:streaming:)` judges exactly as `check(_:)` does, without holding the document:
/// its bytes to send are the source's own (`sourceOffset`) unless they were re-encoded.
final class StreamingCheckTests: XCTestCase {
    private func streamed(_ bytes: [UInt8]) throws -> XMLCheckResult {
        try strictValidator.check(size: bytes.count, streaming: PieceSource(bytes))
    }

    func testSamplesAreJudgedAlikeFromBytesAndFromAStream() throws {
        for name in [
            "01-dialog-helsefaglig.xml", "03-dialog-latin1-tromso.xml", "90-broken-not-well-formed.xml",
            "91-broken-schema-invalid.xml", "92-broken-xxe.xml", "93-broken-entity-bomb.xml", "94-broken-unknown-namespace.xml",
        ] {
            let bytes = try sampleBytes(name)
            let whole = strictValidator.check(bytes)
            var fromStream = try streamed(bytes)
            XCTAssertEqual(fromStream.failure, whole.failure, name)
            if fromStream.document?.sourceOffset != nil {
                XCTAssertEqual(fromStream.document?.sourceOffset, 0, name)
                XCTAssertEqual(fromStream.document?.utf8, [], "nothing held: \(name)")
                fromStream.document?.utf8 = bytes
                fromStream.document?.sourceOffset = nil
            }
            XCTAssertEqual(fromStream.document, whole.document, name)
        }
    }

    func testAUTF8ByteOrderMarkIsSkippedNotCopied() throws {
        let document = try sampleBytes("01-dialog-helsefaglig.xml")
        let result = try streamed([0xEF, 0xBB, 0xBF] + document)
        XCTAssertNil(result.failure)
        XCTAssertEqual(result.document?.sourceOffset, 3)
        XCTAssertEqual(result.document?.utf8, [])
    }

    /// A UTF-8 document that does not declare it is sent declared (NHN wants the declaration):
    /// from a stream, as a prefix before the source's own bytes, equal to what `check(_:)` holds.
    func testAnUndeclaredDocumentIsStreamedWithTheDeclarationAsAPrefix() throws {
        let body = #"<r xmlns="urn:test">å</r>"#
        for input in [
            body, "<?xml version=\"1.0\"?>\n" + body, "<?xml version='1.0' standalone='yes'?>" + body,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>" + body,
        ] {
            for bom in [[], DocumentEncoding.utf8BOM] {
                let bytes = bom + Array(input.utf8)
                let whole = try XCTUnwrap(XMLValidator(schemas: nil, requireSchema: false).check(bytes).document, input)
                let fromStream = try XCTUnwrap(
                    try XMLValidator(schemas: nil, requireSchema: false).check(size: bytes.count, streaming: PieceSource(bytes)).document)
                let offset = try XCTUnwrap(fromStream.sourceOffset)
                XCTAssertEqual(fromStream.sourcePrefix + bytes[offset...], whole.utf8, input)
                XCTAssertTrue(String(decoding: whole.utf8, as: UTF8.self).hasPrefix("<?xml version="), input)
                XCTAssertTrue(String(decoding: whole.utf8.prefix(60), as: UTF8.self).contains("encoding="), input)
                if input.contains("encoding") { XCTAssertEqual(fromStream.sourcePrefix, [], "nothing added: \(input)") }
            }
        }
    }

    /// The start-tag bound holds on a streamed document too, across the pieces it is read in:
    /// comments and CDATA (whatever quotes they hold, however their end is written) do not count.
    func testTooManyAttributesAreRefusedFromAStreamAcrossPieces() throws {
        let filler = "<!-- \"\"\"\" -> -->" + String(repeating: "<![CDATA[ '' ]]]>", count: 400) + String(repeating: "x", count: 3_000)
        let attributes = (0..<300).map { " a\($0)=\"v\"" }.joined()
        let bomb = Array("<r>\(filler)\n\n<e\(attributes)/></r>".utf8)
        let refused = try XMLValidator(schemas: nil, requireSchema: false).check(size: bomb.count, streaming: PieceSource(bomb))
        XCTAssertEqual(refused.failure?.errors.first?.message, "an element has more than 256 attributes")
        XCTAssertEqual(refused.failure?.errors.first?.line, 3)
        let fine = Array("<r>\(filler)<e\((0..<256).map { " a\($0)='v'" }.joined())/></r>".utf8)
        XCTAssertNil(try XMLValidator(schemas: nil, requireSchema: false).check(size: fine.count, streaming: PieceSource(fine)).failure)
    }

    func testAReencodedDocumentIsHeldAsUTF8() throws {
        let result = try streamed(try sampleBytes("03-dialog-latin1-tromso.xml"))
        XCTAssertNil(result.failure)
        XCTAssertNil(result.document?.sourceOffset)
        XCTAssertEqual(result.document?.originalEncoding, "ISO-8859-1")
        XCTAssertTrue(String(decoding: result.document?.utf8 ?? [], as: UTF8.self).contains("Tromsø"))
    }

    func testTroubleReadingIsThrownNotARefusal() throws {
        let bytes = try sampleBytes("01-dialog-helsefaglig.xml") + Array("<!--\(String(repeating: "x", count: 20_000))-->".utf8)
        // In the head (the encoding sniff) and in the middle of the parse.
        for failAfter in [100, 10_000] {
            XCTAssertThrowsError(try strictValidator.check(size: bytes.count, streaming: PieceSource(bytes, failAfter: failAfter))) { error in
                XCTAssertTrue(error is PieceSource.DiskTrouble, "\(error)")
            }
        }
    }

    func testSizeAndEmptinessAreJudgedBeforeParsing() throws {
        let tooLarge = XMLValidator(schemas: nil, requireSchema: false, maxBytes: 10)
        let source = PieceSource(Array("<a>12345678901</a>".utf8))
        XCTAssertEqual(try tooLarge.check(size: 18, streaming: source).failure?.stage, .reading)
        XCTAssertEqual(try strictValidator.check(size: 0, streaming: PieceSource([])).failure?.reason, "the XML file is empty")
    }
}
