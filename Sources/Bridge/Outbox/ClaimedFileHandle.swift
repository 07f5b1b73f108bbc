import Crypto
import DropbridgeCore
import Glibc
import SystemPackage
import XMLCheck

/// An open claimed file, read once from its start (by the document check as it parses), every
/// byte hashed on the way: the content hash comes from the same pass, so the document is never
/// held in memory for it. Closed when released.
package final class ClaimedFileHandle: XMLByteSource, @unchecked Sendable {
    // Used by one task at a time: opened, read and closed inside one blocking job.
    package let path: String
    /// The size on the open descriptor, before anything was read.
    package let size: Int
    private let shownAs: String
    private let fd: FileDescriptor
    private var hasher = SHA256()
    /// Also MD5 (Altinn's attachment checksum), only when asked for before the first read.
    private var md5: Insecure.MD5?
    private var consumed = 0

    init(descriptor: FileDescriptor, path: String, size: Int, shownAs: String) {
        fd = descriptor
        self.path = path
        self.size = size
        self.shownAs = shownAs
    }

    deinit { try? fd.close() }

    package func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let count = try fd.read(into: buffer)
        hasher.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        md5?.update(bufferPointer: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
        consumed += count
        return count
    }

    /// Reads what the parser left (nothing, normally) and returns the SHA-256 of the whole file,
    /// or why it cannot: a file whose length is not the one opened changed while it was read.
    package func finish() -> Result<[UInt8], PreparationError> {
        var scratch = [UInt8](repeating: 0, count: 64 * 1024)
        do {
            while try scratch.withUnsafeMutableBytes({ try read(into: $0) }) > 0 {}
        } catch {
            return .failure(readFailure(error))
        }
        guard consumed == size else {
            return .failure(.refused(DropFailure(stage: .reading, reason: "\(shownAs) changed size while it was read")))
        }
        return .success(Array(hasher.finalize()))
    }

    /// Takes the MD5 of what is read from now on (call before the first read).
    package func alsoTakeMD5() { md5 = Insecure.MD5() }

    /// The MD5 (lower-case hex) of what was read, after `finish`; nil unless asked for.
    package var md5Hex: String? { md5.map { $0.finalize().map { String(format: "%02x", $0) }.joined() } }

    /// A read that failed: the machine's trouble (EIO, …), passing, never a refusal.
    package func readFailure(_ error: any Error) -> PreparationError {
        .transient(reason: "\(shownAs) could not be read: \(error)")
    }
}
