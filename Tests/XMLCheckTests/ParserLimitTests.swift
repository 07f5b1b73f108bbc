import DropbridgeCore
import XCTest
@testable import XMLCheck

/// XML_PARSE_HUGE stays (see LargeDocumentTests): what it lifts besides the text-node length
/// is bounded by our own checks.
final class ParserLimitTests: XCTestCase {
    private let validator = XMLValidator(schemas: nil, requireSchema: false)

    private func assertRefused(_ text: String, saying phrase: String, file: StaticString = #filePath, line: UInt = #line) {
        let result = validator.check(Array(text.utf8))
        XCTAssertEqual(result.failure?.stage, .validation, file: file, line: line)
        let messages = result.failure?.errors.map(\.message) ?? []
        XCTAssertTrue(messages.contains { $0.contains(phrase) }, "\(messages)", file: file, line: line)
    }

    func testALongElementNameIsRefused() {
        let name = String(repeating: "n", count: SafeParser.maxNameBytes + 1)
        assertRefused("<\(name)/>", saying: "element name is longer")
        let fine = String(repeating: "n", count: SafeParser.maxNameBytes)
        XCTAssertNil(validator.check(Array("<\(fine)/>".utf8)).failure)
    }

    func testALongAttributeNameOrValueIsRefused() {
        let name = String(repeating: "a", count: SafeParser.maxNameBytes + 1)
        assertRefused(#"<r \#(name)="1"/>"#, saying: "attribute name is longer")
        let value = String(repeating: "v", count: SafeParser.maxAttributeValueBytes + 1)
        assertRefused(#"<r a="\#(value)"/>"#, saying: "attribute value is longer")
    }

    func testTooManyDistinctNamesAreRefused() {
        // 11,000 distinct 1,000-byte names: 11 MB interned, over the 10 MB bound.
        let stem = String(repeating: "x", count: SafeParser.maxNameBytes - 6)
        var text = "<r>"
        text.reserveCapacity(12_000_000)
        for index in 0..<11_000 { text += "<\(stem)\(String(format: "%06d", index))/>" }
        text += "</r>"
        assertRefused(text, saying: "distinct names")
    }
}
