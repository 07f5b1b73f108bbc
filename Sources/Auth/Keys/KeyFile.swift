import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a private key file, refusing one that others on the machine could read or change.
package enum KeyFile {
    package enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case exposed(path: String, mode: UInt32)
        case tooLarge(path: String)
        case notAFile(path: String)

        package var description: String {
            switch self {
            case .unreadable(let path, let reason):
                "\(path): cannot read the key file: \(reason)"
            case .exposed(let path, let mode):
                "\(path): the private key is readable or writable by group or others (mode \(String(mode, radix: 8))); "
                    + "allow its owner only: chmod 600 \(path)"
            case .tooLarge(let path):
                "\(path): too large for a key file (more than 64 KB)"
            case .notAFile(let path):
                "\(path): not a regular file"
            }
        }
    }

    static let maxBytes = 64 * 1024

    /// The file's bytes, after checking that only its owner may read or write it (the file a
    /// symlink points to is what counts). The checks and the read use one descriptor, so the
    /// file cannot be swapped between them; opening does not block on a FIFO.
    package static func read(_ path: String) throws(Problem) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw .unreadable(path: path, reason: String(cString: strerror(errno))) }
        guard UInt32(info.st_mode) & UInt32(S_IFMT) == UInt32(S_IFREG) else { throw .notAFile(path: path) }
        let mode = UInt32(info.st_mode) & 0o7777
        guard mode & 0o077 == 0 else { throw .exposed(path: path, mode: mode) }
        guard info.st_size <= maxBytes else { throw .tooLarge(path: path) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: String(cString: strerror(errno)))
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maxBytes else { throw .tooLarge(path: path) }
        }
        return bytes
    }
}
