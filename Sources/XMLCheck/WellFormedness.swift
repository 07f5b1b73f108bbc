import DropbridgeCore

/// A safe parse with no schema, e.g. for the simulator checking a decoded businessDocument.
package enum WellFormedness {
    /// Empty when the bytes are well-formed XML; a DOCTYPE counts as an error.
    package static func errors(in bytes: [UInt8]) -> [LineError] {
        if bytes.isEmpty { return [LineError(message: "the XML file is empty")] }
        switch SafeParser.parse(bytes, recordElementStarts: false).state {
        case let .doctypeRefused(line, column):
            return [LineError(line: line, column: column, message: Refusal.doctype)]
        case let .notWellFormed(errors):
            return errors
        case .parsed:
            return []
        }
    }
}
