import Glibc

/// The ledger's files hold patient metadata (who sent what to whom): owner-only, 0600.
///
/// SQLite creates `-wal` and `-shm` lazily with the database file's own mode, and fchmods a
/// newly created one to that mode whatever the umask (unix VFS `robust_open`). So making the
/// database file 0600 before SQLite opens it covers the files it creates later; files left
/// with wider modes by an older version are narrowed here too.
enum LedgerFiles {
    static let mode: mode_t = 0o600

    /// Creates the database file 0600 if missing, and narrows the files to 0600 if wider.
    /// Another user's ledger (e.g. `dropbridge status` run by an operator) is left as it is:
    /// only its owner may change its mode, and SQLite then says whether it can be read.
    static func restrict(_ path: String) throws {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else {
                if errno == EACCES { return }
                throw LedgerFileError(operation: "stat", path: path, errno: errno)
            }
            // Created here only when missing: no connection of this process can hold it yet.
            // An existing ledger is never opened and closed outside SQLite: closing any
            // descriptor of the file drops every POSIX lock this process holds on it (a pool
            // opened earlier in the same process would lose its locks, and another process's
            // write could then corrupt the WAL index).
            let fd = open(path, O_RDONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
            if fd >= 0 {
                close(fd)
            } else if errno != EEXIST {
                throw LedgerFileError(operation: "create", path: path, errno: errno)
            }
        } else if info.st_mode & 0o7777 != mode, info.st_uid == geteuid() || geteuid() == 0 {
            guard chmod(path, mode) == 0 else { throw LedgerFileError(operation: "chmod", path: path, errno: errno) }
        }
        // Files an older version left wider. Missing ones are created by SQLite with the
        // database file's mode.
        for suffix in ["-wal", "-shm"] where chmod(path + suffix, mode) != 0 && errno != ENOENT && errno != EPERM {
            throw LedgerFileError(operation: "chmod", path: path + suffix, errno: errno)
        }
    }
}

package struct LedgerFileError: Error, CustomStringConvertible {
    package var operation: String
    package var path: String
    package var errno: Int32

    package var description: String { "\(operation) \(path): \(String(cString: strerror(errno)))" }
}
