import Glibc
import SystemPackage

/// `readdir` of a directory as raw byte names (without `.` and `..`). Nothing is opened but the
/// directory itself.
enum DirectoryListing {
    static func names(in path: String) throws -> [[UInt8]] {
        try RawPath.withDirectory(path) { fd in try names(of: fd, path: path) }
    }

    /// Lists the directory behind `fd` (which stays open and usable for *at calls).
    static func names(of fd: FileDescriptor, path: String) throws -> [[UInt8]] {
        // fdopendir takes ownership of its descriptor: give it a duplicate.
        let copy = fcntl(fd.rawValue, F_DUPFD_CLOEXEC, 0)
        guard copy >= 0 else {
            throw DurableFileError.io(operation: "dup", path: path, errno: Errno(rawValue: errno))
        }
        guard let dir = fdopendir(copy) else {
            let error = Errno(rawValue: errno)
            close(copy)
            throw DurableFileError.io(operation: "opendir", path: path, errno: error)
        }
        defer { closedir(dir) }
        // The duplicate shares the file offset: start from the top even if listed before.
        rewinddir(dir)
        var result: [[UInt8]] = []
        while true {
            errno = 0
            guard let entry = readdir(dir) else {
                if errno != 0 {
                    throw DurableFileError.io(operation: "readdir", path: path, errno: Errno(rawValue: errno))
                }
                return result
            }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                Array(raw.prefix { $0 != 0 })
            }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            result.append(name)
        }
    }
}
