import Glibc

/// Does a daemon hold the root? `InstanceLock` keeps an exclusive flock on `.dropbridge/lock`
/// for the daemon's whole life; a shared, non-blocking flock on it fails exactly while one runs.
/// The probe opens the file read-only and never creates it, so it works for any user who may
/// read it and leaves nothing behind.
public enum LockProbe {
    public enum Holder: String, Codable, Sendable, Equatable {
        case running
        case stopped
        case unknown
    }

    public struct Result: Sendable, Equatable {
        public var holder: Holder
        public var detail: String?
    }

    public static func probe(_ path: String) -> Result {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            if errno == ENOENT { return Result(holder: .stopped, detail: "no lock file: dropbridge has not run with this root") }
            return Result(holder: .unknown, detail: "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        if flock(fd, LOCK_SH | LOCK_NB) == 0 {
            // Held only for this instant; closing the descriptor releases it.
            return Result(holder: .stopped, detail: nil)
        }
        if errno == EWOULDBLOCK { return Result(holder: .running, detail: nil) }
        return Result(holder: .unknown, detail: "cannot lock \(path): \(String(cString: strerror(errno)))")
    }
}
