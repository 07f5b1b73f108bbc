import Foundation
import GRDB
import Glibc

/// Opening the daemon's ledger from another process (`status`, `show`), which may run as another
/// user (root, an operator): it must never create a file there, never change a mode, and never
/// write. SQLite's WAL mode needs `-shm`/`-wal` files; a read-only connection would create them
/// (owned by the caller: a root-owned `-shm` then locks the daemon out) when they are missing.
///
/// - The files exist (a daemon runs, or one was killed and left a WAL with committed
///   transactions): `mode=ro` reads through them, the WAL included.
/// - They do not (no daemon; the last close checkpointed and removed them): the database file
///   holds everything, and `immutable=1` reads it without any lock or side file.
///
/// Both are URI file names (Debian's and most distributions' SQLite are built with
/// SQLITE_USE_URI); where they are not understood, the name is a file that does not exist and,
/// opened without SQLITE_OPEN_CREATE, fails instead of creating anything.
extension Ledger {
    package enum ReadOnlyError: Error, CustomStringConvertible {
        case missing(String)
        case unreadable(String, String)
        /// The caller may not read it (exit 77): who may.
        case denied(String, owner: String)

        package var description: String {
            switch self {
            case .missing(let path): "no ledger at \(path): dropbridge has not run with this root yet"
            case .unreadable(let path, let reason): "cannot read the ledger \(path): \(reason)"
            case .denied(let path, let owner):
                "cannot read the ledger \(path): permission denied; it is \(owner)'s (and root's) to read: run as that user (e.g. `sudo -u \(owner) dropbridge …`)"
            }
        }
    }

    /// Who owns `path` (or the folder above it, when `path` cannot even be looked at).
    static func ownerName(of path: String) -> String {
        var info = stat()
        guard stat(path, &info) == 0 || stat((path as NSString).deletingLastPathComponent, &info) == 0 else { return "dropbridge's user" }
        guard let entry = getpwuid(info.st_uid), let name = entry.pointee.pw_name else { return "uid \(info.st_uid)" }
        return String(cString: name)
    }

    package static func openReadOnly(path: String) throws -> Ledger {
        var info = stat()
        guard stat(path, &info) == 0 else {
            if errno == ENOENT { throw ReadOnlyError.missing(path) }
            if errno == EACCES { throw ReadOnlyError.denied(path, owner: ownerName(of: path)) }
            throw ReadOnlyError.unreadable(path, String(cString: strerror(errno)))
        }
        guard access(path, R_OK) == 0 else {
            if errno == EACCES { throw ReadOnlyError.denied(path, owner: ownerName(of: path)) }
            throw ReadOnlyError.unreadable(path, String(cString: strerror(errno)))
        }
        let sideFilesExist = access(path + "-wal", F_OK) == 0 || access(path + "-shm", F_OK) == 0
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(10)
        configuration.label = "dropbridge.ledger.readonly"
        let uri = "file:" + Self.uriEscaped(path) + (sideFilesExist ? "?mode=ro" : "?immutable=1")
        do {
            let queue = try DatabaseQueue(path: uri, configuration: configuration)
            // Fails here, not in the first query, when the file is no SQLite database or the
            // URI was not understood.
            _ = try queue.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM sqlite_master") }
            return Ledger(opened: queue)
        } catch {
            throw ReadOnlyError.unreadable(path, "\(error)")
        }
    }

    /// Closes every connection now (the last close checkpoints the WAL and removes `-wal` and
    /// `-shm`), as the daemon's exit does; the ledger is unusable afterwards.
    package func close() throws {
        if let pool = database as? DatabasePool { try pool.close() }
        if let queue = database as? DatabaseQueue { try queue.close() }
    }

    /// `%`, `?` and `#` end or escape a URI path; everything else may stand as it is.
    static func uriEscaped(_ path: String) -> String {
        var out = ""
        for scalar in path.unicodeScalars {
            switch scalar {
            case "%": out += "%25"
            case "?": out += "%3F"
            case "#": out += "%23"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
