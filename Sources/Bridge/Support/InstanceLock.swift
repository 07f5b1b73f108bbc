import Glibc

/// One dropbridge per root: a second one would take the first one's drops in flight for
/// interrupted ones and send them again. Held (flock) until the process ends.
public final class InstanceLock: Sendable {
    private let descriptor: Int32

    public struct Held: Error, CustomStringConvertible {
        public var path: String
        public var description: String {
            "another dropbridge is running with this root (\(path) is locked); stop it first"
        }
    }

    public init(path: String) throws {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o640)
        guard fd >= 0 else { throw Held(path: path) }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw Held(path: path)
        }
        descriptor = fd
    }

    deinit { close(descriptor) }
}
