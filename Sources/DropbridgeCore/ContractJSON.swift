import Foundation

/// How every JSON file of the contract is written (receipts, error files, inbox metadata):
/// pretty-printed with sorted keys, slashes unescaped, and ending in a newline, so that one
/// file reads and diffs the same as the next.
package enum ContractJSON {
    package static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value)) + [0x0A]
    }

    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
