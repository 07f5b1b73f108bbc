import DropbridgeCore

/// What the bytes of a dropped document say about their encoding, read before libxml2 sees
/// them: the byte-order mark, the byte pattern of the first characters and the
/// declaration's `encoding`. libxml2 follows one signal and ignores the other, so a document
/// whose signals disagree, or that is in an encoding we do not re-encode, is refused here
/// instead of being sent garbled or as raw bytes labelled UTF-8.
enum EncodingSniff {
    /// The encoding families the bytes can be in.
    enum Family: Equatable {
        /// UTF-8, US-ASCII or ISO-8859-1: the declaration decides.
        case asciiCompatible
        case utf16(bigEndian: Bool)
        case utf32(bigEndian: Bool)

        var name: String {
            switch self {
            case .asciiCompatible: "UTF-8"
            case .utf16(let bigEndian): bigEndian ? "UTF-16BE" : "UTF-16LE"
            case .utf32(let bigEndian): bigEndian ? "UTF-32BE" : "UTF-32LE"
            }
        }
    }

    struct Signals: Equatable {
        var family: Family
        /// The byte-order mark's encoding, if the bytes start with one.
        var bom: String?
        /// The declaration's `encoding` as written, if there is one.
        var declared: String?
    }

    /// The encodings the contract re-encodes (docs/contract.md §1: UTF-16 and ISO-8859-1) besides UTF-8.
    static let utf8Names: Set<String> = ["UTF-8", "UTF8", "US-ASCII", "ASCII"]
    static let latin1Names: Set<String> = ["ISO-8859-1", "ISO8859-1", "ISO_8859-1", "LATIN1", "LATIN-1", "L1"]

    static func signals(of bytes: [UInt8]) -> Signals {
        let (family, bom, bomLength): (Family, String?, Int) =
            if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { (.utf32(bigEndian: true), "UTF-32BE", 4) }
            else if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { (.utf32(bigEndian: false), "UTF-32LE", 4) }
            else if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { (.asciiCompatible, "UTF-8", 3) }
            else if bytes.starts(with: [0xFE, 0xFF]) { (.utf16(bigEndian: true), "UTF-16BE", 2) }
            else if bytes.starts(with: [0xFF, 0xFE]) { (.utf16(bigEndian: false), "UTF-16LE", 2) }
            else { (unmarkedFamily(Array(bytes.prefix(4))), nil, 0) }
        return Signals(family: family, bom: bom, declared: declaredEncoding(bytes.dropFirst(bomLength), family: family))
    }

    /// The family alone, from the byte-order mark or else the first four bytes.
    static func unmarkedOrMarkedFamily(_ bytes: [UInt8]) -> Family {
        if bytes.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return .utf32(bigEndian: true) }
        if bytes.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return .utf32(bigEndian: false) }
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { return .asciiCompatible }
        if bytes.starts(with: [0xFE, 0xFF]) { return .utf16(bigEndian: true) }
        if bytes.starts(with: [0xFF, 0xFE]) { return .utf16(bigEndian: false) }
        return unmarkedFamily(Array(bytes.prefix(4)))
    }

    /// Without a mark: XML text starts with ASCII (`<`, or whitespace when there is no
    /// declaration) and never holds NUL, so NULs among the first four bytes give the unit size
    /// and byte order (XML 1.0 appendix F, generalised from `<?` to any ASCII start).
    static func unmarkedFamily(_ head: [UInt8]) -> Family {
        guard head.count == 4 else { return .asciiCompatible }
        let zero = head.map { $0 == 0 }
        switch (zero[0], zero[1], zero[2], zero[3]) {
        case (true, true, true, false): return .utf32(bigEndian: true)
        case (false, true, true, true): return .utf32(bigEndian: false)
        case (true, false, true, false): return .utf16(bigEndian: true)
        case (false, true, false, true): return .utf16(bigEndian: false)
        default: return .asciiCompatible
        }
    }

    /// nil when the document may go on to the parser; else the refusal, naming both signals.
    static func refusal(_ signals: Signals) -> String? {
        let declared = signals.declared?.uppercased()
        switch signals.family {
        case .utf32:
            return "the document is in \(signals.family.name), which NHN does not take and dropbridge does not re-encode; save it as UTF-8"
        case .utf16(let bigEndian):
            guard let declared else { return nil }
            let own: Set<String> = ["UTF-16", bigEndian ? "UTF-16BE" : "UTF-16LE"]
            guard own.contains(declared) else {
                return conflict(signals, found: signals.bom.map { "a \($0) byte-order mark" } ?? "\(signals.family.name) bytes")
            }
            return nil
        case .asciiCompatible:
            guard let declared else { return nil }
            if signals.bom != nil, !utf8Names.contains(declared) {
                return conflict(signals, found: "a UTF-8 byte-order mark")
            }
            if utf8Names.contains(declared) || latin1Names.contains(declared) { return nil }
            if declared.hasPrefix("UTF-16") || declared.hasPrefix("UTF-32") || declared.hasPrefix("UCS-") || declared.hasPrefix("ISO-10646") {
                return conflict(signals, found: "single-byte (ASCII-compatible) bytes")
            }
            return "the declaration names encoding \(signals.declared ?? declared), which dropbridge does not accept (UTF-8, UTF-16 or ISO-8859-1)"
        }
    }

    private static func conflict(_ signals: Signals, found: String) -> String {
        "the document starts with \(found) but its declaration says encoding=\"\(signals.declared ?? "")\"; save it in one encoding (UTF-8 preferred)"
    }

    /// The `encoding` pseudo-attribute of a leading `<?xml …?>`, read from at most 512
    /// characters in the family's code unit size (the declaration itself is ASCII).
    static func declaredEncoding(_ bytes: ArraySlice<UInt8>, family: Family) -> String? {
        let unit: Int, bigEndian: Bool
        switch family {
        case .asciiCompatible: (unit, bigEndian) = (1, false)
        case .utf16(let big): (unit, bigEndian) = (2, big)
        case .utf32(let big): (unit, bigEndian) = (4, big)
        }
        var text: [UInt8] = []
        var index = bytes.startIndex
        while index + unit <= bytes.endIndex, text.count < 512 {
            var value: UInt32 = 0
            for offset in 0..<unit {
                let byte = UInt32(bytes[index + (bigEndian ? offset : unit - 1 - offset)])
                value = value << 8 | byte
            }
            guard value < 0x80 else { break }
            text.append(UInt8(value))
            index += unit
            if text.count >= 2, text.suffix(2) == [0x3F, 0x3E] { break }  // "?>"
        }
        let declaration = String(decoding: text, as: UTF8.self)
        guard declaration.hasPrefix("<?xml"), let end = declaration.range(of: "?>") else { return nil }
        let inside = declaration[..<end.lowerBound]
        guard let key = inside.range(of: "encoding") else { return nil }
        var rest = inside[key.upperBound...].drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard rest.first == "=" else { return nil }
        rest = rest.dropFirst().drop { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "\n" }
        guard let quote = rest.first, quote == "\"" || quote == "'" else { return nil }
        let value = rest.dropFirst().prefix { $0 != quote }
        return value.isEmpty ? nil : String(value)
    }
}

/// What a document's own declaration says.
package enum XMLDeclaration {
    /// The `encoding` of a leading `<?xml …?>` (after any byte-order mark), as written; nil when
    /// there is no declaration or it names no encoding.
    package static func encoding(of bytes: [UInt8]) -> String? {
        EncodingSniff.signals(of: bytes).declared
    }
}

