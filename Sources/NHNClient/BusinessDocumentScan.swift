/// Reads the answer of `GET /messages/{id}/business-document`,
/// `{"businessDocument":"<base64>","contentType":…,"contentTransferEncoding":"base64"}`, straight
/// from the body's bytes: the base64 is decoded as the body is scanned, with no `Data` copy of
/// the body, no `String` of the base64 and no decoded JSON in between (each was one more copy of
/// a document of up to 35 MB). JSON escapes inside strings are undone on the way: .NET's
/// System.Text.Json writes `+` as `\u002B` by default, and some writers escape `/`.
///
/// Anything but a JSON object (with at most 64 levels of nesting in the fields it skips) gives
/// nil: the caller then reads the answer with `JSONDecoder`, as before, which says what is wrong.
enum BusinessDocumentScan {
    struct Answer: Equatable {
        /// Nil: the field is a string but not valid base64.
        var document: [UInt8]?
        var contentTransferEncoding: String?
    }

    static func read(_ body: [UInt8]) -> Answer? {
        body.withUnsafeBufferPointer { bytes in
            var scan = JSONScan(bytes: bytes)
            return scan.answer()
        }
    }
}

/// A forward-only reader of one JSON text in a buffer. Each method leaves `at` after what it
/// read; false or nil means the text is not the JSON expected.
private struct JSONScan {
    let bytes: UnsafeBufferPointer<UInt8>
    var at = 0

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
    private static let maxDepth = 64
    private static let documentKey = Array("businessDocument".utf8)
    private static let transferEncodingKey = Array("contentTransferEncoding".utf8)

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func answer() -> BusinessDocumentScan.Answer? {
        var document: Range<Int>?
        var transferEncoding: Range<Int>?
        guard take(UInt8(ascii: "{")) else { return nil }
        if !take(UInt8(ascii: "}")) {
            repeat {
                skipSpace()
                guard let keyRange = string(), take(UInt8(ascii: ":")) else { return nil }
                var key: [UInt8] = []
                guard unescape(keyRange, into: { key.append($0) }) else { return nil }
                skipSpace()
                switch key {
                case Self.documentKey:
                    // A later duplicate wins, as it does for `JSONDecoder`.
                    guard let range = string() else { return nil }
                    document = range
                case Self.transferEncodingKey:
                    if let range = string() {
                        transferEncoding = range
                    } else {
                        guard literal() == "null" else { return nil }
                        transferEncoding = nil
                    }
                default:
                    guard value(depth: 1) else { return nil }
                }
            } while take(UInt8(ascii: ","))
            guard take(UInt8(ascii: "}")) else { return nil }
        }
        skipSpace()
        guard at == bytes.count, let document else { return nil }
        var encoding: String?
        if let transferEncoding {
            var text: [UInt8] = []
            guard unescape(transferEncoding, into: { text.append($0) }) else { return nil }
            encoding = String(decoding: text, as: UTF8.self)
        }
        var base64 = Base64Reader.Decoding(expectedInput: document.count)
        var valid = true
        guard unescape(document, into: { byte in if valid { valid = base64.add(byte) } }) else { return nil }
        return BusinessDocumentScan.Answer(document: valid ? base64.finish() : nil, contentTransferEncoding: encoding)
    }

    private mutating func skipSpace() {
        while at < bytes.count {
            switch bytes[at] {
            case 0x20, 0x09, 0x0A, 0x0D: at += 1
            default: return
            }
        }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    /// A string at `at`: the range of its content between the quotes, escapes still in it
    /// (checked by `unescape`). Nil if there is none, it is not closed, or it holds a control
    /// character.
    private mutating func string() -> Range<Int>? {
        guard at < bytes.count, bytes[at] == Self.quote else { return nil }
        let start = at + 1
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte == Self.quote {
                at = index + 1
                return start..<index
            }
            if byte < 0x20 { return nil }
            index += byte == Self.backslash ? 2 : 1
        }
        return nil
    }

    /// Any value, skipped: a string (its escapes checked), an object, an array, or a literal.
    private mutating func value(depth: Int) -> Bool {
        guard depth <= Self.maxDepth, at < bytes.count else { return false }
        switch bytes[at] {
        case Self.quote:
            guard let range = string() else { return false }
            return unescape(range, into: { _ in })
        case UInt8(ascii: "{"):
            at += 1
            if take(UInt8(ascii: "}")) { return true }
            repeat {
                skipSpace()
                guard let key = string(), unescape(key, into: { _ in }), take(UInt8(ascii: ":")) else { return false }
                skipSpace()
                guard value(depth: depth + 1) else { return false }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "}"))
        case UInt8(ascii: "["):
            at += 1
            if take(UInt8(ascii: "]")) { return true }
            repeat {
                skipSpace()
                guard value(depth: depth + 1) else { return false }
            } while take(UInt8(ascii: ","))
            return take(UInt8(ascii: "]"))
        default:
            guard let word = literal() else { return false }
            return word == "true" || word == "false" || word == "null" || Self.isNumber(word)
        }
    }

    /// The bare word at `at` (a number, `true`, `false`, `null`), or nil if there is none.
    private mutating func literal() -> String? {
        let start = at
        while at < bytes.count, Self.isWordByte(bytes[at]) { at += 1 }
        guard at > start else { return nil }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "+"), UInt8(ascii: "-"), UInt8(ascii: "."):
            return true
        default: return false
        }
    }

    /// JSON's number grammar: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    static func isNumber(_ word: String) -> Bool {
        var rest = Substring(word)
        func digits() -> Int {
            let count = rest.prefix(while: \.isASCIIDigit).count
            rest = rest.dropFirst(count)
            return count
        }
        if rest.first == "-" { rest = rest.dropFirst() }
        if rest.first == "0" {
            rest = rest.dropFirst()
        } else if digits() == 0 {
            return false
        }
        if rest.first == "." {
            rest = rest.dropFirst()
            guard digits() > 0 else { return false }
        }
        if rest.first == "e" || rest.first == "E" {
            rest = rest.dropFirst()
            if rest.first == "+" || rest.first == "-" { rest = rest.dropFirst() }
            guard digits() > 0 else { return false }
        }
        return rest.isEmpty
    }

    /// The string content in `range` with its escapes undone, as UTF-8 bytes handed to `emit`
    /// one at a time. False on a bad escape (an unknown letter, a `\u` without four hex digits,
    /// a lone surrogate).
    private func unescape(_ range: Range<Int>, into emit: (UInt8) -> Void) -> Bool {
        var index = range.lowerBound
        while index < range.upperBound {
            let byte = bytes[index]
            guard byte == Self.backslash else {
                emit(byte)
                index += 1
                continue
            }
            guard index + 1 < range.upperBound else { return false }
            let letter = bytes[index + 1]
            index += 2
            switch letter {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): emit(letter)
            case UInt8(ascii: "b"): emit(0x08)
            case UInt8(ascii: "f"): emit(0x0C)
            case UInt8(ascii: "n"): emit(0x0A)
            case UInt8(ascii: "r"): emit(0x0D)
            case UInt8(ascii: "t"): emit(0x09)
            case UInt8(ascii: "u"):
                guard let unit = hex4(at: index, before: range.upperBound) else { return false }
                index += 4
                var scalarValue = UInt32(unit)
                if (0xD800..<0xDC00).contains(unit) {
                    // A high surrogate must be followed by `\u` and a low one.
                    guard index + 6 <= range.upperBound, bytes[index] == Self.backslash, bytes[index + 1] == UInt8(ascii: "u"),
                        let low = hex4(at: index + 2, before: range.upperBound), (0xDC00..<0xE000).contains(low)
                    else { return false }
                    index += 6
                    scalarValue = 0x10000 + (UInt32(unit - 0xD800) << 10) + UInt32(low - 0xDC00)
                } else if (0xDC00..<0xE000).contains(unit) {
                    return false
                }
                guard let scalar = Unicode.Scalar(scalarValue), let encoded = UTF8.encode(scalar) else { return false }
                for unit in encoded { emit(unit) }
            default:
                return false
            }
        }
        return true
    }

    private func hex4(at index: Int, before end: Int) -> UInt16? {
        guard index + 4 <= end else { return nil }
        var value: UInt16 = 0
        for offset in 0..<4 {
            let byte = bytes[index + offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt16(digit)
        }
        return value
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
