import Foundation
import XCTest

/// A tmpfs of the test's own, so that a full disk is real: ENOSPC for SQLite, temp files,
/// renames and new directory entries alike (its inodes are limited too). Mounting needs root, as
/// tests have here and in CI; without it the test is skipped with the reason, never passed.
struct SmallFilesystem: Sendable {
    let path: String

    /// Mounts a tmpfs of `megabytes` with at most `inodes` files at `path` (an empty folder).
    static func mount(at path: String, megabytes: Int, inodes: Int) throws -> SmallFilesystem {
        guard geteuid() == 0 else { throw XCTSkip("a full disk needs a tmpfs of the test's own, and mounting one needs root") }
        let result = run("mount", ["-t", "tmpfs", "-o", "size=\(megabytes)m,nr_inodes=\(inodes),mode=0755", "tmpfs", path])
        guard result.status == 0 else { throw XCTSkip("cannot mount a tmpfs at \(path): \(result.output)") }
        return SmallFilesystem(path: path)
    }

    /// Unmounts, lazily when something still holds a file open there.
    func unmount() {
        if Self.run("umount", [path]).status != 0 {
            _ = Self.run("umount", ["-l", path])
        }
    }

    private var fillerFolder: String { path + "/.filler" }

    /// Takes every free byte and inode: appends to a filler file until ENOSPC (large writes,
    /// then single pages), then creates empty files until no inode is left. Call it again to
    /// take back what the daemon freed meanwhile. Returns what it took this time.
    @discardableResult
    func fill() -> (bytes: Int, files: Int) {
        mkdir(fillerFolder, 0o700)
        var bytes = 0
        let fd = open(fillerFolder + "/data", O_WRONLY | O_CREAT | O_APPEND, 0o600)
        if fd >= 0 {
            let chunk = [UInt8](repeating: 0x5A, count: 1 << 20)
            for size in [1 << 20, 4096, 1] {
                while true {
                    let written = chunk.withUnsafeBytes { write(fd, $0.baseAddress, size) }
                    if written <= 0 { break }
                    bytes += written
                }
            }
            close(fd)
        }
        return (bytes, takeInodes())
    }

    /// Creates empty files until no inode is left: existing files can still grow, but no new
    /// file or folder can be made. Returns how many it took.
    @discardableResult
    func takeInodes() -> Int {
        mkdir(fillerFolder, 0o700)
        var files = 0
        while true {
            let file = open(fillerFolder + "/\(UUID().uuidString)", O_WRONLY | O_CREAT | O_EXCL, 0o600)
            if file < 0 { break }
            close(file)
            files += 1
        }
        return files
    }

    /// Gives the bytes `fill` took back but keeps every inode taken.
    func freeBytesOnly() throws {
        try FileManager.default.removeItem(atPath: fillerFolder + "/data")
        takeInodes()
    }

    /// Gives everything `fill` took back.
    func free() throws {
        try FileManager.default.removeItem(atPath: fillerFolder)
    }

    /// Bytes free for an unprivileged writer.
    var availableBytes: Int {
        var stats = statvfs()
        guard statvfs(path, &stats) == 0 else { return -1 }
        return Int(stats.f_bavail) * Int(stats.f_frsize)
    }

    private static func run(_ tool: String, _ arguments: [String]) -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [tool] + arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return (-1, "\(error)") }
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return (process.terminationStatus, output.trimmingCharacters(in: .whitespacesAndNewlines))
    }
}
