import CLinuxSys
import Glibc
import SystemPackage

/// Renaming without ever replacing an existing target: `renameat2(RENAME_NOREPLACE)`, falling
/// back to `link()` + `unlink()` where the filesystem does not support the flag.
enum NoClobberRename {
    /// Moves `fromName` in `fromDirectory` to `toName` in `toDirectory`. Throws
    /// `DurableFileError.exists` when the target exists (the target is left as it was).
    /// The caller fsyncs the directories.
    static func rename(
        _ fromName: [UInt8], in fromDirectory: FileDescriptor, fromPath: String,
        to toName: [UInt8], in toDirectory: FileDescriptor, toPath: String
    ) throws {
        let source = RawPath.join(fromPath, fromName)
        let target = RawPath.join(toPath, toName)
        let result = RawPath.withCString(fromName) { old in
            RawPath.withCString(toName) { new in
                clinuxsys_rename_noreplace(fromDirectory.rawValue, old, toDirectory.rawValue, new)
            }
        }
        if result == 0 { return }
        let error = Errno(rawValue: errno)
        switch error {
        case .fileExists:
            throw DurableFileError.exists(path: target)
        case .invalidArgument, .noFunction, .notSupported:
            try linkThenUnlink(fromName, fromDirectory, to: toName, toDirectory, source: source, target: target)
        default:
            throw mapped(error, operation: "rename", source: source, target: target)
        }
    }

    /// The Maildir way: a hard link cannot replace an existing name.
    private static func linkThenUnlink(
        _ fromName: [UInt8], _ fromDirectory: FileDescriptor,
        to toName: [UInt8], _ toDirectory: FileDescriptor, source: String, target: String
    ) throws {
        let linked = RawPath.withCString(fromName) { old in
            RawPath.withCString(toName) { new in
                linkat(fromDirectory.rawValue, old, toDirectory.rawValue, new, 0)
            }
        }
        if linked != 0 {
            let error = Errno(rawValue: errno)
            switch error {
            case .fileExists:
                throw DurableFileError.exists(path: target)
            case .notPermitted, .notSupported:
                // No hard links here either (e.g. vfat): check, then plain rename. The window
                // between the two is the best such a filesystem allows.
                if try RawPath.exists(toName, in: toDirectory) {
                    throw DurableFileError.exists(path: target)
                }
                let renamed = RawPath.withCString(fromName) { old in
                    RawPath.withCString(toName) { new in
                        renameat(fromDirectory.rawValue, old, toDirectory.rawValue, new)
                    }
                }
                if renamed != 0 {
                    throw mapped(Errno(rawValue: errno), operation: "rename", source: source, target: target)
                }
                return
            default:
                throw mapped(error, operation: "link", source: source, target: target)
            }
        }
        let unlinked = RawPath.withCString(fromName) { unlinkat(fromDirectory.rawValue, $0, 0) }
        if unlinked != 0 {
            throw DurableFileError.io(operation: "unlink", path: source, errno: Errno(rawValue: errno))
        }
    }

    private static func mapped(_ error: Errno, operation: String, source: String, target: String) -> DurableFileError {
        switch error {
        case .noSuchFileOrDirectory: .notFound(path: source)
        case .improperLink: .crossDevice(from: source, to: target)
        default: .io(operation: operation, path: "\(source) → \(target)", errno: error)
        }
    }
}
