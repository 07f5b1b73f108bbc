import CZlib
import DropbridgeCore

/// Inflates `.xml.gz` drops without ever holding more than the size limit.
package enum Gzip {
    static let chunkSize = 64 * 1024

    /// Inflates a gzip file (concatenated members allowed) under a hard output limit. A bomb is
    /// refused as soon as the output would pass `maxBytes`; truncated or corrupt input is refused.
    /// Failures are `DropFailure(stage: .reading, …)`.
    package static func inflate(_ bytes: [UInt8], maxBytes: Int) throws(DropFailure) -> [UInt8] {
        guard bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B else {
            throw failure("the .gz file is not gzip data (or is too short to be)")
        }
        switch bytes.withUnsafeBufferPointer({ inflateMembers($0, maxBytes: max(0, maxBytes)) }) {
        case let .success(output): return output
        case let .failure(error): throw error
        }
    }

    private static func inflateMembers(_ input: UnsafeBufferPointer<UInt8>, maxBytes: Int) -> Result<[UInt8], DropFailure> {
        guard let base = input.baseAddress else { return .failure(failure("the .gz file is empty")) }
        var stream = z_stream()
        // 15 window bits + 16: expect a gzip header and check its CRC and length trailer.
        guard inflateInit2_(&stream, 15 + 16, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            return .failure(failure("the gzip decoder could not be started"))
        }
        defer { inflateEnd(&stream) }
        stream.next_in = UnsafeMutablePointer(mutating: base)
        stream.avail_in = UInt32(clamping: input.count)

        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        while true {
            // Never ask zlib for more than one byte past the limit: that byte proves the bomb.
            let remaining = maxBytes - output.count
            let room = remaining >= chunkSize ? chunkSize : remaining + 1
            let (status, produced) = chunk.withUnsafeMutableBufferPointer { out -> (Int32, Int) in
                stream.next_out = out.baseAddress
                stream.avail_out = UInt32(room)
                let status = CZlib.inflate(&stream, Z_NO_FLUSH)
                return (status, room - Int(stream.avail_out))
            }
            output.append(contentsOf: chunk[0..<produced])
            if output.count > maxBytes {
                return .failure(failure("the .gz file inflates to more than the limit of \(maxBytes) bytes"))
            }
            switch status {
            case Z_STREAM_END:
                guard stream.avail_in > 0 else { return .success(output) }
                let next = input.count - Int(stream.avail_in)
                guard input.count - next >= 2, input[next] == 0x1F, input[next + 1] == 0x8B else {
                    return .failure(failure("the .gz file has unexpected data after the compressed stream"))
                }
                guard inflateReset(&stream) == Z_OK else { return .failure(failure("the .gz file is corrupt")) }
            case Z_OK:
                if produced == 0 && stream.avail_in == 0 {
                    return .failure(failure("the .gz file is truncated"))
                }
            case Z_BUF_ERROR:
                return .failure(failure(stream.avail_in == 0 ? "the .gz file is truncated" : "the .gz file is corrupt"))
            default:
                let detail = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                return .failure(failure("the .gz file is corrupt (\(detail))"))
            }
        }
    }

    private static func failure(_ reason: String) -> DropFailure {
        DropFailure(stage: .reading, reason: reason)
    }
}
