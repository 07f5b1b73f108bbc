import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

final class EncodingTests: XCTestCase {
    private func assertUTF8Declaration(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String? {
        XCTAssertFalse(bytes.starts(with: [0xEF, 0xBB, 0xBF]), "no BOM", file: file, line: line)
        guard let text = String(validating: bytes, as: UTF8.self) else {
            XCTFail("not valid UTF-8", file: file, line: line)
            return nil
        }
        XCTAssertTrue(text.hasPrefix(#"<?xml version="1.0" encoding="UTF-8"?>"#), String(text.prefix(80)), file: file, line: line)
        return text
    }

    func testLatin1SampleIsReencodedAsUTF8() throws {
        let original = try sampleBytes("03-dialog-latin1-tromso.xml")
        XCTAssertTrue(original.contains(0xF8), "the sample holds Latin-1 ø bytes")
        let result = strictValidator.check(original)
        XCTAssertNil(result.failure, String(describing: result.failure))
        let document = try XCTUnwrap(result.document)
        XCTAssertEqual(document.originalEncoding, "ISO-8859-1")
        let text = try XCTUnwrap(assertUTF8Declaration(document.utf8))
        XCTAssertTrue(text.contains("Tromsø"))
        XCTAssertTrue(text.contains("Brønnøysund"))
        XCTAssertFalse(text.contains("ISO-8859-1"))
        // The re-encoded bytes are themselves a valid UTF-8 document with the same fields.
        let again = strictValidator.check(document.utf8)
        XCTAssertNil(again.failure)
        XCTAssertNil(again.document?.originalEncoding)
        XCTAssertEqual(again.document?.msgHead, document.msgHead)
    }

    func testUTF16WithBOMIsReencoded() throws {
        let body = msgHead(payloadText: "Notat fra Tromsø", declaration: #"<?xml version="1.0" encoding="UTF-16"?>"#)
        for bigEndian in [false, true] {
            let bytes: [UInt8] = (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) + utf16(body, bigEndian: bigEndian)
            let result = strictValidator.check(bytes)
            XCTAssertNil(result.failure, String(describing: result.failure))
            let document = try XCTUnwrap(result.document)
            XCTAssertEqual(document.originalEncoding, bigEndian ? "UTF-16BE" : "UTF-16LE")
            let text = try XCTUnwrap(assertUTF8Declaration(document.utf8))
            XCTAssertTrue(text.contains("Notat fra Tromsø"))
            XCTAssertEqual(document.msgHead?.receiverHerId, 8094866)
        }
    }

    func testSignedNonUTF8DocumentRefused() throws {
        let signature = #"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/></ds:Signature>"#
        let text = msgHead(payloadText: "Tromsø", declaration: #"<?xml version="1.0" encoding="ISO-8859-1"?>"#, trailer: signature)
        let latin1 = Array(try XCTUnwrap(text.data(using: .isoLatin1)))
        let result = strictValidator.check(latin1)
        let failure = try XCTUnwrap(result.failure)
        XCTAssertEqual(failure.stage, .validation)
        XCTAssertTrue(failure.reason.contains("signed document that is not UTF-8 cannot be re-encoded"), failure.reason)
        // The same signed document in UTF-8 goes through untouched.
        let utf8Text = text.replacingOccurrences(of: "ISO-8859-1", with: "UTF-8")
        let ok = strictValidator.check(utf8(utf8Text))
        XCTAssertNil(ok.failure, String(describing: ok.failure))
        XCTAssertEqual(ok.document?.utf8, utf8(utf8Text))
    }

    func testLowercaseUTF8DeclarationIsNotReencoded() throws {
        let text = msgHead(declaration: #"<?xml version="1.0" encoding="utf-8"?>"#)
        let result = strictValidator.check(utf8(text))
        XCTAssertNil(result.failure)
        XCTAssertNil(result.document?.originalEncoding)
        XCTAssertEqual(result.document?.utf8, utf8(text))
    }

    /// NHN requires UTF-8 with an explicit declaration (docs/nhn-edi.md §3.2, §11.14): a
    /// declaration without `encoding` gets one after its version; one with it is left alone.
    func testADeclarationWithoutEncodingIsGivenUTF8() throws {
        for (declaration, expected) in [
            (#"<?xml version="1.0"?>"#, #"<?xml version="1.0" encoding="UTF-8"?>"#),
            ("<?xml version='1.0' standalone='yes'?>", #"<?xml version='1.0' encoding="UTF-8" standalone='yes'?>"#),
            (#"<?xml version="1.0" encoding="UTF-8"?>"#, #"<?xml version="1.0" encoding="UTF-8"?>"#),
        ] {
            let result = strictValidator.check(utf8(msgHead(declaration: declaration)))
            XCTAssertNil(result.failure, String(describing: result.failure))
            XCTAssertEqual(result.document?.utf8, utf8(msgHead(declaration: expected)), declaration)
            XCTAssertNil(result.document?.originalEncoding)
        }
        // No declaration at all: one is put first.
        let bare = msgHead(declaration: "")
        let result = strictValidator.check(utf8(bare))
        XCTAssertEqual(result.document?.utf8, utf8(#"<?xml version="1.0" encoding="UTF-8"?>"# + "\n" + bare))
    }
}
