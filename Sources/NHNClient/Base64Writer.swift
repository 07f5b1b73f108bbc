import NIOCore

/// Standard base64 (RFC 4648, padded) written straight into a `ByteBuffer`, so a 30 MB document
/// never exists as a base64 `String` or an intermediate `Data`.
enum Base64Writer {
    static func encodedLength(of count: Int) -> Int { (count + 2) / 3 * 4 }

    fileprivate static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func write(_ bytes: [UInt8], into buffer: inout ByteBuffer) {
        bytes.withUnsafeBytes { write($0, into: &buffer) }
    }

    /// All of `bytes`, padded at the end.
    static func write(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        let outputLength = encodedLength(of: bytes.count)
        guard outputLength > 0 else { return }
        alphabet.withUnsafeBufferPointer { table in
            _ = buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: outputLength) { output in
                encode(bytes.bindMemory(to: UInt8.self), into: output, table: table)
                return outputLength
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

/// Base64 of a byte stream that arrives in pieces of any size: whole 3-byte groups are encoded
/// as they come, the 0–2 bytes left over wait for the next piece, and `finish` pads the end.
/// The output is exactly `Base64Writer.write` of all the pieces joined.
struct Base64StreamEncoder {
    private var carry: [UInt8] = []

    /// Encodes what `bytes` completes and keeps the rest for later.
    mutating func append(_ bytes: UnsafeRawBufferPointer, into buffer: inout ByteBuffer) {
        var input = bytes[...]
        if !carry.isEmpty {
            let needed = 3 - carry.count
            carry.append(contentsOf: input.prefix(needed))
            input = input.dropFirst(needed)
            guard carry.count == 3 else { return }
            Base64Writer.write(carry, into: &buffer)
            carry.removeAll(keepingCapacity: true)
        }
        let whole = input.count / 3 * 3
        Base64Writer.write(UnsafeRawBufferPointer(rebasing: input.prefix(whole)), into: &buffer)
        carry.append(contentsOf: input.dropFirst(whole))
    }

    /// The last 0–2 bytes, padded.
    mutating func finish(into buffer: inout ByteBuffer) {
        Base64Writer.write(carry, into: &buffer)
        carry.removeAll()
    }
}
