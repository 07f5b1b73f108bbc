import DropbridgeCore
import Glibc
import SystemPackage

package enum FolderLayoutError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Two folders are on different filesystems, so moves between them cannot be atomic.
    case differentFilesystems(first: String, firstPath: String, second: String, secondPath: String)
    case notADirectory(key: String, path: String)
    case cannotCreate(key: String, path: String, errno: Errno)

    package var description: String {
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
/// exist and share one filesystem. Missing folders are created with `folderMode` (`outbox/`
/// with group write added, so the producers' group can drop files), the state folders 0700;
/// an existing folder keeps its mode and group.
package enum FolderLayout {
    /// `.dropbridge/` holds the ledger (patient metadata), claimed documents and temp files:
    /// nothing in it is for anyone but dropbridge, and `dropbridge status` runs as its user.
    package static let stateMode: mode_t = 0o700

    package struct Folder: Sendable, Equatable {
        /// The name an operator knows it by, e.g. `folders.outbox`.
        package var key: String
        package var path: String
        /// The mode it is created with when missing.
        package var mode: mode_t

        package init(key: String, path: String, mode: mode_t) {
            self.key = key
            self.path = path
            self.mode = mode
        }
    }

    /// Every folder dropbridge needs.
    package static func folders(of settings: FolderSettings) -> [Folder] {
        settings.folders.all.map {
            Folder(key: "folders.\($0.key)", path: $0.path, mode: mode_t($0.key == "outbox" ? settings.outboxFolderMode : settings.folderMode))
        } + [
            Folder(key: "state", path: settings.state.directory, mode: stateMode),
            Folder(key: "state/tmp", path: settings.state.temporary, mode: stateMode),
            Folder(key: "state/work", path: settings.state.work, mode: stateMode),
        ]
    }

    /// Creates what is missing and checks that everything is on one filesystem.
    package static func prepare(_ settings: FolderSettings) throws {
        try prepare(folders(of: settings), parentMode: mode_t(settings.folderMode))
    }

    /// `parentMode`: for missing parents (e.g. the root itself).
    package static func prepare(_ folders: [Folder], parentMode: mode_t = 0o2750) throws {
        var first: (key: String, path: String, device: UInt64)?
        for folder in folders {
            let device = try ensureDirectory(folder, parentMode: parentMode)
            if let first {
                if first.device != device {
                    throw FolderLayoutError.differentFilesystems(
                        first: first.key, firstPath: first.path, second: folder.key, secondPath: folder.path)
                }
            } else {
                first = (folder.key, folder.path, device)
            }
        }
    }

    /// `st_dev` of the folder, creating it (and missing parents) first. Also for folders made
    /// later, like `receipts/unmatched/`.
    @discardableResult
    package static func ensureDirectory(_ folder: Folder, parentMode: mode_t? = nil) throws -> UInt64 {
        if let stat = try? Stat(FilePath(folder.path)) {
            guard stat.type == .directory else { throw FolderLayoutError.notADirectory(key: folder.key, path: folder.path) }
            // "Exists" is not "durable": a crash right after an earlier mkdir may have left the
            // entry unsynced. Best effort: a parent dropbridge may not read is the operator's.
            try? RawPath.syncDirectory(parent(of: folder.path))
            return UInt64(stat.deviceID.rawValue)
        }
        try createWithParents(folder, parentMode: parentMode ?? folder.mode)
        do {
            return UInt64(try Stat(FilePath(folder.path)).deviceID.rawValue)
        } catch {
            throw FolderLayoutError.cannotCreate(key: folder.key, path: folder.path, errno: error)
        }
    }

    private static func createWithParents(_ folder: Folder, parentMode: mode_t) throws {
        let path = folder.path
        var prefix = path.hasPrefix("/") ? "" : "."
        let components = path.split(separator: "/")
        for (index, component) in components.enumerated() {
            prefix += "/" + component
            let mode = index == components.count - 1 ? folder.mode : parentMode
            if mkdir(prefix, mode & 0o777) == 0 {
                // mkdir ignores setgid and applies the umask: set the mode exactly. A folder made
                // inside a setgid folder has its group already (the kernel gives it the parent's).
                try setMode(mode, of: prefix, key: folder.key)
                do {
                    try RawPath.syncDirectory(parent(of: prefix))
                } catch {
                    throw FolderLayoutError.cannotCreate(key: folder.key, path: prefix, errno: (error as? Errno) ?? .ioError)
                }
            } else if errno != EEXIST {
                throw FolderLayoutError.cannotCreate(key: folder.key, path: path, errno: Errno(rawValue: errno))
            }
        }
    }

    private static func parent(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let parent = String(path[..<slash])
        return parent.isEmpty ? "/" : parent
    }

    /// fchmod on the folder opened without following links (no chmod through a swapped-in link).
    private static func setMode(_ mode: mode_t, of path: String, key: String) throws {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw FolderLayoutError.cannotCreate(key: key, path: path, errno: Errno(rawValue: errno)) }
        defer { close(fd) }
        // Not a member of the folder's group: the kernel drops setgid silently; that is all it can be.
        guard fchmod(fd, mode) == 0 else {
            throw FolderLayoutError.cannotCreate(key: key, path: path, errno: Errno(rawValue: errno))
        }
    }
}
