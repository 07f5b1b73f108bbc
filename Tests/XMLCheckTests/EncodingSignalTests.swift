import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

/// The byte-order mark, the byte pattern and the declaration must agree, and only encodings
/// dropbridge re-encodes (UTF-16, ISO-8859-1) or UTF-8 itself get through: nothing is ever
/// sent as raw bytes labelled UTF-8.
final class EncodingSignalTests: XCTestCase {
    private func utf32(_ text: String, bigEndian: Bool) -> [UInt8] {
        var bytes: [UInt8] = []
        for scalar in text.unicodeScalars {
            let v = scalar.value
            let be: [UInt8] = [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
            bytes += bigEndian ? be : be.reversed()
        }
        return bytes
    }

    private func refusal(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String {
        let result = strictValidator.check(bytes)
        guard let failure = result.failure else {
            XCTFail("accepted", file: file, line: line)
            return ""
        }
        XCTAssertEqual(failure.stage, .validation, file: file, line: line)
        return failure.reason
    }

    func testUTF32IsRefusedWithOrWithoutBOMOrDeclaration() {
        for bigEndian in [false, true] {
            let bom: [UInt8] = bigEndian ? [0, 0, 0xFE, 0xFF] : [0xFF, 0xFE, 0, 0]
            for declaration in ["", #"<?xml version="1.0" encoding="UTF-32"?>"#] {
                for withBOM in [false, true] {
                    let bytes = (withBOM ? bom : []) + utf32(msgHead(declaration: declaration), bigEndian: bigEndian)
                    let reason = refusal(bytes)
                    XCTAssertTrue(reason.contains(bigEndian ? "UTF-32BE" : "UTF-32LE"), reason)
                }
            }
        }
    }

    func testAUTF8BOMContradictingTheDeclarationIsRefusedNamingBoth() {
        let text = msgHead(payloadText: "Tromsø", declaration: #"<?xml version="1.0" encoding="ISO-8859-1"?>"#)
        let reason = refusal(DocumentEncoding.utf8BOM + utf8(text))
        XCTAssertTrue(reason.contains("UTF-8 byte-order mark"), reason)
        XCTAssertTrue(reason.contains("ISO-8859-1"), reason)
    }

    func testAUTF16BOMContradictingTheDeclarationIsRefused() {
        let text = msgHead(declaration: #"<?xml version="1.0" encoding="UTF-8"?>"#)
        let reason = refusal([0xFF, 0xFE] + utf16(text, bigEndian: false))
        XCTAssertTrue(reason.contains("UTF-16LE byte-order mark"), reason)
        XCTAssertTrue(reason.contains("UTF-8"), reason)
        let big = refusal([0xFE, 0xFF] + utf16(msgHead(declaration: #"<?xml version="1.0" encoding="UTF-16LE"?>"#), bigEndian: true))
        XCTAssertTrue(big.contains("UTF-16BE") && big.contains("UTF-16LE"), big)
    }

    func testUTF16WithoutBOMButWithADeclarationIsReencoded() throws {
        for bigEndian in [false, true] {
            let text = msgHead(payloadText: "Notat fra Tromsø", declaration: #"<?xml version="1.0" encoding="UTF-16"?>"#)
            let result = strictValidator.check(utf16(text, bigEndian: bigEndian))
            XCTAssertNil(result.failure, String(describing: result.failure))
            let document = try XCTUnwrap(result.document)
            let sent = try XCTUnwrap(String(validating: document.utf8, as: UTF8.self))
            XCTAssertTrue(sent.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"#), String(sent.prefix(60)))
            XCTAssertTrue(sent.contains("Notat fra Tromsø"))
            XCTAssertNotNil(document.originalEncoding)
        }
    }

    func testADeclaredEncodingDropbridgeDoesNotReencodeIsRefused() {
        for name in ["KOI8-R", "windows-1252", "Shift_JIS", "no-such-encoding"] {
            let reason = refusal(utf8(msgHead(declaration: #"<?xml version="1.0" encoding="\#(name)"?>"#)))
            XCTAssertTrue(reason.contains(name), reason)
        }
        // Single-byte bytes declared as a multi-byte encoding are a contradiction too.
        let reason = refusal(utf8(msgHead(declaration: #"<?xml version="1.0" encoding="UTF-16"?>"#)))
        XCTAssertTrue(reason.contains("UTF-16"), reason)
    }

    func testASignedUTF16DocumentIsStillRefused() {
        let signature = #"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>"#
        let text = msgHead(declaration: #"<?xml version="1.0" encoding="UTF-16"?>"#, trailer: signature)
        let reason = refusal([0xFF, 0xFE] + utf16(text, bigEndian: false))
        XCTAssertTrue(reason.contains("signed document that is not UTF-8 cannot be re-encoded"), reason)
    }

    func testAgreeingSignalsPass() throws {
        let text = msgHead(declaration: #"<?xml version="1.0" encoding="utf-8"?>"#)
        let result = strictValidator.check(DocumentEncoding.utf8BOM + utf8(text))
        XCTAssertNil(result.failure, String(describing: result.failure))
        XCTAssertEqual(result.document?.utf8, utf8(text), "the BOM is dropped, nothing else changes")
        XCTAssertNil(strictValidator.check(DocumentEncoding.utf8BOM + utf8(msgHead(declaration: ""))).failure)
        XCTAssertNil(strictValidator.check(utf8(msgHead(declaration: "<?xml version='1.0' encoding = 'ISO-8859-1' ?>"))).failure)
    }

    func testTheDeclarationIsReadInEachFamily() {
        let declaration = #"<?xml version="1.0" encoding="UTF-16"?><a/>"#
        XCTAssertEqual(EncodingSniff.signals(of: utf16(declaration, bigEndian: true)).declared, "UTF-16")
        XCTAssertEqual(EncodingSniff.signals(of: utf32(declaration, bigEndian: false)).declared, "UTF-16")
        XCTAssertEqual(EncodingSniff.signals(of: utf8("<a/>")), EncodingSniff.Signals(family: .asciiCompatible, bom: nil, declared: nil))
        XCTAssertNil(EncodingSniff.signals(of: utf8(#"<a encoding="x"/>"#)).declared, "only a declaration counts")
    }
}
