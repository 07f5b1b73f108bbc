import DropbridgeCore
import XCTest
@testable import XMLCheck

/// A KITH attachment is one Base64Container text node; libxml2's default 10 MB limit on a text
/// node would refuse real messages with a large PDF.
final class LargeDocumentTests: XCTestCase {
    func testATextNodeOver10MBIsAccepted() {
        let head = #"<?xml version="1.0" encoding="UTF-8"?><Base64Container xmlns="http://www.kith.no/xmlstds/base64container">"#
        let body = String(repeating: "QUJD", count: 3_000_000)
        let document = Array((head + body + "</Base64Container>").utf8)
        let result = XMLValidator(schemas: nil, requireSchema: false).check(document)
        XCTAssertNil(result.failure, "\(String(describing: result.failure))")
        XCTAssertEqual(result.document?.rootName, "Base64Container")
    }

    func testNestingDeeperThanTheLimitIsRefusedWithALocation() {
        let depth = SafeParser.maxDepth + 1
        let text = String(repeating: "<a>", count: depth) + String(repeating: "</a>", count: depth)
        let result = XMLValidator(schemas: nil, requireSchema: false).check(Array(text.utf8))
        XCTAssertEqual(result.failure?.stage, .validation)
        XCTAssertTrue(result.failure?.errors.contains { $0.message.contains("nested deeper") && $0.line != nil } ?? false)
        let fine = String(repeating: "<a>", count: 200) + String(repeating: "</a>", count: 200)
        XCTAssertNil(XMLValidator(schemas: nil, requireSchema: false).check(Array(fine.utf8)).failure)
    }
}
