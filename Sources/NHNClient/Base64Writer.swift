import NIOCore

/// Standard base64 (RFC 4648, padded) written straight into a `ByteBuffer`, so a 30 MB document
/// never exists as a base64 `String` or an intermediate `Data`.
enum Base64Writer {
    static func encodedLength(of count: Int) -> Int { (count + 2) / 3 * 4 }

    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func write(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        let outputLength = encodedLength(of: bytes.count)
        guard outputLength > 0 else { return }
        bytes.withUnsafeBufferPointer { input in
            alphabet.withUnsafeBufferPointer { table in
                _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: outputLength) { output in
                    encode(input, into: output, table: table)
                    return outputLength
                }
            }
        }
    }

    private static func encode(
        _ input: UnsafeBufferPointer<UInt8>, into output: UnsafeMutableRawBufferPointer,
        table: UnsafeBufferPointer<UInt8>
    ) {
        let count = input.count
        let whole = count / 3 * 3
        var i = 0
        var o = 0
        while i < whole {
            let b0 = Int(input[i]), b1 = Int(input[i + 1]), b2 = Int(input[i + 2])
            output[o] = table[b0 >> 2]
            output[o + 1] = table[(b0 & 0x03) << 4 | b1 >> 4]
            output[o + 2] = table[(b1 & 0x0F) << 2 | b2 >> 6]
            output[o + 3] = table[b2 & 0x3F]
            i += 3
            o += 4
        }
        let pad = UInt8(ascii: "=")
        switch count - whole {
        case 1:
            let b0 = Int(input[i])
            output[o] = table[b0 >> 2]
            output[o + 1] = table[(b0 & 0x03) << 4]
            output[o + 2] = pad
            output[o + 3] = pad
        case 2:
            let b0 = Int(input[i]), b1 = Int(input[i + 1])
            output[o] = table[b0 >> 2]
            output[o + 1] = table[(b0 & 0x03) << 4 | b1 >> 4]
            output[o + 2] = table[(b1 & 0x0F) << 2]
            output[o + 3] = pad
        default:
            break
        }
    }
}
