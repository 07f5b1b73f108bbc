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
