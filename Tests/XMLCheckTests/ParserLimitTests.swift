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

    private func tag(attributes count: Int) -> String {
        "<r " + (0..<count).map { #"a\#($0)="1""# }.joined(separator: " ") + "/>"
    }

    /// libxml2 2.9 is quadratic in one tag's attributes (its duplicate check and its tree
    /// building): 200,000 of them pinned a core for minutes and held the drop claimed.
    func testTooManyAttributesOnOneElementAreRefusedBeforeParsing() {
        assertRefused(tag(attributes: StartTagScan.maxAttributes + 1), saying: "more than \(StartTagScan.maxAttributes) attributes")
        XCTAssertNil(validator.check(Array(tag(attributes: StartTagScan.maxAttributes).utf8)).failure)
        assertRefused(tag(attributes: 200_000), saying: "attributes")
    }

    func testNamespaceDeclarationsCountAsAttributes() {
        let declarations = (0...StartTagScan.maxAttributes).map { #"xmlns:p\#($0)="urn:x:\#($0)""# }.joined(separator: " ")
        assertRefused("<r \(declarations)/>", saying: "attributes")
    }

    func testQuotesInCommentsCDATATextAndValuesAreNotCounted() {
        let quotes = String(repeating: #"" '"#, count: 1_000)
        let text = "<?xml version=\"1.0\"?><!-- \(quotes) --><r a=\"\(quotes.replacingOccurrences(of: "\"", with: ""))\"><![CDATA[<x \(quotes)>]]>\(quotes)<?pi \(quotes)?></r>"
        XCTAssertNil(validator.check(Array(text.utf8)).failure)
    }

    func testTheLineOfTheCrowdedTagIsNamed() {
        let result = validator.check(Array("<r>\n<s/>\n\(tag(attributes: 300))</r>".utf8))
        XCTAssertEqual(result.failure?.errors.first?.line, 3)
    }

    func testAUTF16DocumentCannotHideAttributesBehindBytesThatLookLikeMarkup() {
        // U+3E3E is two '>' bytes in UTF-16: a byte scan would end the tag at its first attribute name.
        let names = (0...StartTagScan.maxAttributes).map { #"\u{3E3E}\#($0)="1""# }.joined(separator: " ")
        let text = "<?xml version=\"1.0\" encoding=\"UTF-16\"?><r \(names)/>"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        let result = validator.check(bytes)
        XCTAssertTrue(result.failure?.errors.contains { $0.message.contains("attributes") } ?? false, "\(String(describing: result.failure))")
    }
}
