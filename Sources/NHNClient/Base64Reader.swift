/// Standard base64 (RFC 4648, padded) decoded straight into `[UInt8]`: a received document is
/// not first a `Data` and then copied into an array. Strict: only the alphabet, padding at the
/// end, and whitespace (MIME line breaks) between characters; anything else is refused (nil).
enum Base64Reader {
    /// 0–63 for the alphabet, `skip` for whitespace, `invalid` for anything else.
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: invalid, count: 256)
        for (value, character) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(character)] = UInt8(value)
        }
        for space in [UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), UInt8(ascii: "\n")] { table[Int(space)] = skip }
        table[Int(UInt8(ascii: "="))] = pad
        return table
    }()
    private static let invalid: UInt8 = 0xFF
    private static let skip: UInt8 = 0xFE
    private static let pad: UInt8 = 0xFD

    static func decode(_ text: String) -> [UInt8]? {
        var text = text
        return text.withUTF8 { decode($0) }
    }

    static func decode(_ input: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var decoding = Decoding(expectedInput: input.count)
        for byte in input {
            guard decoding.add(byte) else { return nil }
        }
        return decoding.finish()
    }

    /// The decoder fed one character at a time, for input that is not one buffer of base64
    /// (the JSON string of an answer, whose escapes are undone on the way).
    struct Decoding {
        private var output: [UInt8] = []
        private var quad: UInt32 = 0
        private var filled = 0
        private var padding = 0

        init(expectedInput: Int) {
            output.reserveCapacity(expectedInput / 4 * 3)
        }

        /// False when `byte` makes the input invalid base64 (the decoding is then useless).
        mutating func add(_ byte: UInt8) -> Bool {
            let value = table[Int(byte)]
            switch value {
            case skip:
                return true
            case invalid:
                return false
            case pad:
                // Padding only completes the last group, and only its last one or two places.
                padding += 1
                guard padding <= 2, filled >= 2 else { return false }
                quad <<= 6
                filled += 1
            default:
                guard padding == 0 else { return false }
                quad = quad << 6 | UInt32(value)
                filled += 1
            }
            if filled == 4 {
                output.append(UInt8(truncatingIfNeeded: quad >> 16))
                if padding < 2 { output.append(UInt8(truncatingIfNeeded: quad >> 8)) }
                if padding < 1 { output.append(UInt8(truncatingIfNeeded: quad)) }
                quad = 0
                filled = 0
                if padding > 0 { padding = 3 }  // nothing may follow a padded group
            }
            return true
        }

        /// The decoded bytes, or nil when the input stopped inside a group.
        consuming func finish() -> [UInt8]? { filled == 0 ? output : nil }
    }
}
