import DropbridgeCore
import Glibc
import SystemPackage

public enum FolderLayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Two folders are on different filesystems, so moves between them cannot be atomic.
    case differentFilesystems(first: String, firstPath: String, second: String, secondPath: String)
    case notADirectory(key: String, path: String)
    case cannotCreate(key: String, path: String, errno: Errno)

    public var description: String {
        switch self {
        case let .differentFilesystems(first, firstPath, second, secondPath):
            "the folders \(first) (\(firstPath)) and \(second) (\(secondPath)) are on different filesystems; "
                + "all folders must be on one filesystem so files move between them atomically"
        case let .notADirectory(key, path): "\(key) (\(path)) exists but is not a folder"
        case let .cannotCreate(key, path, errno): "cannot create \(key) (\(path)): \(errno)"
        }
    }
}

/// The start-up check of the folders: all five, `<root>/.dropbridge` and its `tmp/` and `work/`
/// exist (missing ones are created with mode 0750) and share one filesystem.
public enum FolderLayout {
    public static let directoryMode: mode_t = 0o750

    /// Every folder dropbridge needs, by the name an operator knows it by.
    public static func folders(of config: BridgeConfig) -> [(key: String, path: String)] {
        config.folders.all.map { ("folders.\($0.key)", $0.path) } + [
            ("state", config.stateDirectory),
            ("state/tmp", config.stateDirectory + "/tmp"),
            ("state/work", config.stateDirectory + "/work"),
        ]
    }

    /// Creates what is missing and checks that everything is on one filesystem.
    public static func prepare(_ config: BridgeConfig) throws {
        try prepare(folders(of: config))
    }

    public static func prepare(_ folders: [(key: String, path: String)]) throws {
        var first: (key: String, path: String, device: UInt64)?
        for (key, path) in folders {
            let device = try ensureDirectory(key: key, path: path)
            if let first {
                if first.device != device {
                    throw FolderLayoutError.differentFilesystems(
                        first: first.key, firstPath: first.path, second: key, secondPath: path)
                }
            } else {
                first = (key, path, device)
            }
        }
    }

    /// `st_dev` of the folder, creating it (and missing parents) first.
    private static func ensureDirectory(key: String, path: String) throws -> UInt64 {
        if let stat = try? Stat(FilePath(path)) {
            guard stat.type == .directory else { throw FolderLayoutError.notADirectory(key: key, path: path) }
            return UInt64(stat.deviceID.rawValue)
        }
        try createWithParents(key: key, path: path)
        do {
            return UInt64(try Stat(FilePath(path)).deviceID.rawValue)
        } catch {
            throw FolderLayoutError.cannotCreate(key: key, path: path, errno: error)
        }
    }

    private static func createWithParents(key: String, path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, directoryMode) == 0 {
                // chmod: the umask must not narrow the mode; fsync the parent for durability.
                _ = chmod(prefix, directoryMode)
                let parent = String(prefix[..<(prefix.lastIndex(of: "/") ?? prefix.startIndex)])
                try? RawPath.syncDirectory(parent.isEmpty ? "/" : parent)
            } else if errno != EEXIST {
                throw FolderLayoutError.cannotCreate(key: key, path: path, errno: Errno(rawValue: errno))
            }
        }
    }
}
