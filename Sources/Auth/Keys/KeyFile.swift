import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads a private key file, refusing one that others on the machine could read or change.
public enum KeyFile {
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case exposed(path: String, mode: UInt32)
        case tooLarge(path: String)

        public var description: String {
            switch self {
            case .unreadable(let path, let reason):
                "\(path): cannot read the key file: \(reason)"
            case .exposed(let path, let mode):
                "\(path): the private key is readable or writable by group or others (mode \(String(mode, radix: 8))); "
                    + "allow its owner only: chmod 600 \(path)"
            case .tooLarge(let path):
                "\(path): too large for a key file (more than 64 KB)"
            }
        }
    }

    /// The file's bytes, after checking that only its owner may read or write it
    /// (the mode of the file a symlink points to is what counts).
    public static func read(_ path: String) throws(Problem) -> [UInt8] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        let mode = UInt32(info.st_mode) & 0o7777
        guard mode & 0o077 == 0 else { throw .exposed(path: path, mode: mode) }
        guard info.st_size <= 64 * 1024 else { throw .tooLarge(path: path) }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: "not a readable file")
        }
        return Array(data)
    }
}
