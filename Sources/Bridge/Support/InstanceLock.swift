import Glibc

/// One dropbridge per root: a second one would take the first one's drops in flight for
/// interrupted ones and send them again. Held (flock) until the process ends.
package final class InstanceLock: Sendable {
    private let descriptor: Int32

    /// Another process holds the lock.
    package struct Held: Error, CustomStringConvertible {
        package var path: String
        package var description: String {
            "another dropbridge is running with this root (\(path) is locked); stop it first"
        }
    }

    /// The lock file cannot be opened or locked for another reason (e.g. EACCES: dropbridge runs
    /// as a user that may not write `.dropbridge/`), which says nothing about another instance.
    package struct Unusable: Error, CustomStringConvertible {
        package var path: String
        package var operation: String
        package var errno: Int32
        package var description: String {
            let hint = errno == EACCES || errno == EPERM
                ? " (check that dropbridge runs as the user owning the root's .dropbridge/)" : ""
            return "cannot \(operation) \(path): \(String(cString: strerror(errno)))\(hint)"
        }
    }

    /// The two calls, replaceable so a test can see how each failure is told.
    struct Calls: Sendable {
        var open: @Sendable (String) -> Int32 = { path in Glibc.open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600) }
        var lock: @Sendable (Int32) -> Int32 = { fd in flock(fd, LOCK_EX | LOCK_NB) }
    }

    package convenience init(path: String) throws {
        try self.init(path: path, calls: Calls())
    }

    init(path: String, calls: Calls) throws {
        let fd = calls.open(path)
        guard fd >= 0 else { throw Unusable(path: path, operation: "open", errno: errno) }
        guard calls.lock(fd) == 0 else {
            let error = errno
            close(fd)
            if error == EWOULDBLOCK { throw Held(path: path) }
            throw Unusable(path: path, operation: "lock", errno: error)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
