import SystemPackage

/// Why a durable write or move did not happen. `exists` is separate from every other failure
/// because it is not trouble: the caller picks another name (`NAME~2`) and tries again.
package enum DurableFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The target name is taken; nothing was overwritten and the existing file is intact.
    case exists(path: String)
    /// The file to move is not there (already moved, or removed by someone else).
    case notFound(path: String)
    /// Source and target are on different filesystems, where no rename is atomic.
    case crossDevice(from: String, to: String)
    /// Any other system call failure.
    case io(operation: String, path: String, errno: Errno)

    package var description: String {
        switch self {
        case let .exists(path): "\(path) already exists"
        case let .notFound(path): "\(path) does not exist"
        case let .crossDevice(from, to): "\(from) and \(to) are on different filesystems"
        case let .io(operation, path, errno): "\(operation) \(path): \(errno)"
        }
    }
}
