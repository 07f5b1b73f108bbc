import Glibc
import SystemPackage

/// Small bridges from raw byte file names and directory paths to the *at(2) calls. Outbox names
/// are kept as bytes end to end because a Linux file name need not be UTF-8.
enum RawPath {
    /// Calls `body` with `name` as a NUL-terminated C string.
    static func withCString<T>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) throws -> T) rethrows -> T {
        let chars = name.map { CChar(bitPattern: $0) } + [0]
        // Array-to-pointer argument conversion keeps the bytes alive for the call.
        return try pass(chars, to: body)
    }

    private static func pass<T>(
        _ pointer: UnsafePointer<CChar>, to body: (UnsafePointer<CChar>) throws -> T
    ) rethrows -> T {
        try body(pointer)
    }

    /// Opens a directory for use as the `dirfd` of *at calls and for fsync.
    static func openDirectory(_ path: String) throws -> FileDescriptor {
        try FileDescriptor.open(FilePath(path), .readOnly, options: [.directory, .closeOnExec])
    }

    /// Runs `body` with an open directory descriptor, closing it afterwards.
    static func withDirectory<T>(_ path: String, _ body: (FileDescriptor) throws -> T) throws -> T {
        let fd = try openDirectory(path)
        defer { try? fd.close() }
        return try body(fd)
    }

    /// `fsync` of a directory, so the entries created or renamed in it survive a power loss.
    static func syncDirectory(_ path: String) throws {
        try withDirectory(path) { fd in try sync(fd, path: path) }
    }

    /// Shared with concurrent callers syncing the same directory (see `DirectorySyncs`).
    static func sync(_ fd: FileDescriptor, path: String) throws {
        try DirectorySyncs.shared.sync(fd, path: path)
    }

    /// `fsync` of a file's data and inode.
    static func syncFile(_ fd: FileDescriptor, path: String) throws {
        SyncCounter.shared.fileSynced()
        if fsync(fd.rawValue) != 0 {
            throw DurableFileError.io(operation: "fsync", path: path, errno: Errno(rawValue: errno))
        }
    }

    /// The group owning a directory: the group its new files should have.
    static func group(of directory: FileDescriptor) -> gid_t? {
        var info = stat()
        return fstat(directory.rawValue, &info) == 0 ? info.st_gid : nil
    }

    /// `fstatat(AT_SYMLINK_NOFOLLOW)`: nil when the entry does not exist.
    static func lstat(_ name: [UInt8], in directory: FileDescriptor) throws -> Stat? {
        do {
            return try withCString(name) { cName in
                try Stat(cName, relativeTo: directory, flags: .symlinkNoFollow)
            }
        } catch let error as Errno where error == .noSuchFileOrDirectory {
            return nil
        }
    }

    /// Whether an entry exists (without following a final symlink).
    static func exists(_ name: [UInt8], in directory: FileDescriptor) throws -> Bool {
        try lstat(name, in: directory) != nil
    }

    /// `path/name` for messages and for the callers that read a claimed file.
    static func join(_ directory: String, _ name: [UInt8]) -> String {
        directory + "/" + String(decoding: name, as: UTF8.self)
    }

    /// The raw bytes of `path/name` for opening a file whose name may not be UTF-8.
    static func joinBytes(_ directory: String, _ name: [UInt8]) -> [UInt8] {
        Array(directory.utf8) + [UInt8(ascii: "/")] + name
    }
}
