import DropbridgeCore
import Glibc
import SystemPackage

/// Writes and moves files so that no reader ever sees a partial file, nothing is ever
/// overwritten by accident, and a power loss right after a call returns loses nothing:
/// temp file in `<state>/tmp/` (same filesystem) → write → fsync → checked close →
/// no-clobber rename → fsync of the directory.
package struct DurableFiles: Sendable {
    /// Where temp files are built; must be on the same filesystem as every target.
    package let tempDirectory: String
    /// Mode of every file written (set with fchmod, so the umask does not matter).
    package let fileMode: UInt32
    /// Mode of folders made on the way (`ensureFolder`), like `FolderLayout`'s.
    package let folderMode: UInt32

    package init(tempDirectory: String, fileMode: UInt32 = 0o640, folderMode: UInt32 = 0o2750) {
        self.tempDirectory = tempDirectory
        self.fileMode = fileMode
        self.folderMode = folderMode
    }

    /// `<state>/tmp` with the configured file and folder modes.
    package init(settings: FolderSettings) {
        self.init(tempDirectory: settings.state.temporary, fileMode: settings.fileMode, folderMode: settings.folderMode)
    }

    /// Creates a folder made after start-up (e.g. `receipts/unmatched/`) the way `FolderLayout`
    /// creates the others: `folderMode`, the parent's group under setgid, the parent fsynced.
    package func ensureFolder(_ path: String, key: String) throws {
        try FolderLayout.ensureDirectory(FolderLayout.Folder(key: key, path: path, mode: mode_t(folderMode)))
    }

    /// Creates `directory/name` with `bytes`. Throws `DurableFileError.exists` (and leaves the
    /// existing file intact) when the name is taken.
    package func create(_ bytes: some Sequence<UInt8>, in directory: String, named name: String) throws {
        try create(bytes, in: directory, rawName: Array(name.utf8))
    }

    package func create(_ bytes: some Sequence<UInt8>, in directory: String, rawName name: [UInt8]) throws {
        try RawPath.withDirectory(directory) { targetFD in
            let temp = try writeTemp(bytes, group: RawPath.group(of: targetFD))
            do {
                try RawPath.withDirectory(tempDirectory) { tempFD in
                    try NoClobberRename.rename(
                        temp, in: tempFD, fromPath: tempDirectory,
                        to: name, in: targetFD, toPath: directory)
                }
                try RawPath.sync(targetFD, path: directory)
            } catch {
                removeTemp(temp)
                throw error
            }
        }
    }

    /// Makes an existing `directory/name` durable: fsync of the file, then of the directory.
    /// For the `DurableFileError.exists` branch of a retry: after SIGKILL between a rename and
    /// its directory fsync, the name is there but its entry (or, from another writer, its
    /// data) may not survive a power loss, so "exists" must not be taken for "durable".
    package func syncExisting(_ name: String, in directory: String) throws {
        try RawPath.withDirectory(directory) { directoryFD in
            let path = RawPath.join(directory, Array(name.utf8))
            let raw = RawPath.withCString(Array(name.utf8)) { cName in
                openat(directoryFD.rawValue, cName, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
            }
            guard raw >= 0 else {
                let error = Errno(rawValue: errno)
                throw error == .noSuchFileOrDirectory
                    ? DurableFileError.notFound(path: path) : DurableFileError.io(operation: "open", path: path, errno: error)
            }
            let fd = FileDescriptor(rawValue: raw)
            defer { try? fd.close() }
            try RawPath.syncFile(fd, path: path)
            try RawPath.sync(directoryFD, path: directory)
        }
    }

    /// Writes `directory/name`, atomically replacing any earlier version (for files that are
    /// rewritten on purpose, like `NAME.status.json`). Readers see the old or the new file whole.
    package func replace(_ bytes: some Sequence<UInt8>, in directory: String, named name: String) throws {
        let rawName = Array(name.utf8)
        try RawPath.withDirectory(directory) { targetFD in
            let temp = try writeTemp(bytes, group: RawPath.group(of: targetFD))
            do {
                try RawPath.withDirectory(tempDirectory) { tempFD in
                    let result = RawPath.withCString(temp) { old in
                        RawPath.withCString(rawName) { new in
                            renameat(tempFD.rawValue, old, targetFD.rawValue, new)
                        }
                    }
                    if result != 0 {
                        let error = Errno(rawValue: errno)
                        if error == .improperLink {
                            throw DurableFileError.crossDevice(from: tempDirectory, to: directory)
                        }
                        throw DurableFileError.io(
                            operation: "rename", path: RawPath.join(directory, rawName), errno: error)
                    }
                }
                try RawPath.sync(targetFD, path: directory)
            } catch {
                removeTemp(temp)
                throw error
            }
        }
    }

    /// Moves `from/name` to `to/newName` on the same filesystem, never replacing an existing
    /// file (`DurableFileError.exists`), then fsyncs both directories.
    package func move(_ name: [UInt8], from source: String, to target: String, as newName: [UInt8]) throws {
        try Self.move(name, from: source, to: target, as: newName)
    }

    package func move(_ name: String, from source: String, to target: String, as newName: String) throws {
        try Self.move(Array(name.utf8), from: source, to: target, as: Array(newName.utf8))
    }

    /// The move itself needs no temp directory or mode; `ClaimArea` uses it directly.
    static func move(_ name: [UInt8], from source: String, to target: String, as newName: [UInt8]) throws {
        try moving(from: source, to: target) { move in try move(name, newName) }
    }

    /// Several no-clobber moves between the same two directories, then one fsync of each
    /// directory: durable together when this returns. A drop's two files cost two fsyncs
    /// instead of four. If `body` throws, the moves it made are still synced before the error
    /// is passed on.
    static func moving<T>(
        from source: String, to target: String,
        _ body: (_ move: (_ name: [UInt8], _ newName: [UInt8]) throws -> Void) throws -> T
    ) throws -> T {
        try RawPath.withDirectory(source) { sourceFD in
            try RawPath.withDirectory(target) { targetFD in
                let result = Result {
                    try body { name, newName in
                        try NoClobberRename.rename(
                            name, in: sourceFD, fromPath: source, to: newName, in: targetFD, toPath: target)
                    }
                }
                try RawPath.sync(targetFD, path: target)
                try RawPath.sync(sourceFD, path: source)
                return try result.get()
            }
        }
    }

    /// Removes temp files left by a crash, older than `seconds` (a long grace period: another
    /// process could be mid-write). Returns how many were removed.
    @discardableResult
    package func removeStaleTemps(olderThan seconds: Double, now: Double) -> Int {
        var removed = 0
        guard let entries = try? DirectoryListing.names(in: tempDirectory) else { return 0 }
        guard let dirFD = try? RawPath.openDirectory(tempDirectory) else { return 0 }
        defer { try? dirFD.close() }
        for entry in entries {
            guard let stat = try? RawPath.lstat(entry, in: dirFD), stat.type == .regular else { continue }
            let mtime = Double(stat.st_mtim.tv_sec) + Double(stat.st_mtim.tv_nsec) / 1e9
            if now - mtime > seconds, RawPath.withCString(entry, { unlinkat(dirFD.rawValue, $0, 0) }) == 0 {
                removed += 1
            }
        }
        return removed
    }

    // MARK: - Temp files

    /// Writes a complete, fsynced, closed temp file and returns its name in `tempDirectory`.
    /// `group`: the target folder's group. A renamed file keeps the group it was created with
    /// (the temp folder's), not the target's, even under setgid; so it is set here, before the
    /// mode (chown may clear setuid/setgid bits). EPERM (dropbridge is not in that group) leaves
    /// the file in dropbridge's group rather than failing the write.
    private func writeTemp(_ bytes: some Sequence<UInt8>, group: gid_t?) throws -> [UInt8] {
        let (name, fd) = try openTemp()
        let path = RawPath.join(tempDirectory, name)
        do {
            if let group, fchown(fd.rawValue, uid_t.max, group) != 0, errno != EPERM {
                throw DurableFileError.io(operation: "fchown", path: path, errno: Errno(rawValue: errno))
            }
            if fchmod(fd.rawValue, mode_t(fileMode)) != 0 {
                throw DurableFileError.io(operation: "fchmod", path: path, errno: Errno(rawValue: errno))
            }
            do {
                _ = try fd.writeAll(bytes)
            } catch let error as Errno {
                throw DurableFileError.io(operation: "write", path: path, errno: error)
            }
            try RawPath.syncFile(fd, path: path)
        } catch {
            try? fd.close()
            removeTemp(name)
            throw error
        }
        do {
            // A failed close can mean lost data (NFS, quotas): the file is not trusted then.
            try fd.close()
        } catch {
            removeTemp(name)
            throw DurableFileError.io(operation: "close", path: path, errno: error as? Errno ?? .ioError)
        }
        return name
    }

    private func openTemp() throws -> ([UInt8], FileDescriptor) {
        for _ in 0..<16 {
            let name = ".w\(getpid())-\(String(UInt64.random(in: 0...UInt64.max), radix: 36)).tmp"
            do {
                let fd = try FileDescriptor.open(
                    FilePath(tempDirectory + "/" + name), .writeOnly,
                    options: [.create, .exclusiveCreate, .closeOnExec],
                    permissions: FilePermissions(rawValue: 0o600))
                return (Array(name.utf8), fd)
            } catch let error as Errno where error == .fileExists {
                continue
            } catch let error as Errno {
                throw DurableFileError.io(operation: "create", path: tempDirectory + "/" + name, errno: error)
            }
        }
        throw DurableFileError.io(operation: "create", path: tempDirectory, errno: .fileExists)
    }

    private func removeTemp(_ name: [UInt8]) {
        _ = RawPath.withCString(Array((tempDirectory + "/").utf8) + name) { unlink($0) }
    }
}
