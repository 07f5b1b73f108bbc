import Foundation
import Glibc

/// The `sd_notify(3)` protocol without libsystemd: one datagram per state change to the unix
/// socket named by `NOTIFY_SOCKET` (a path, or `@name` in the abstract namespace), e.g.
/// `READY=1`, `STOPPING=1`, `WATCHDOG=1`, `STATUS=…`. Absent `NOTIFY_SOCKET` (not under systemd,
/// or `Type=simple`), every call does nothing.
public struct SystemdNotifier: Sendable {
    public enum NotifyError: Error, CustomStringConvertible {
        case badAddress(String)
        case socket(Int32)
        case send(Int32)

        public var description: String {
            switch self {
            case .badAddress(let address): "NOTIFY_SOCKET \(address) is no unix socket address (an absolute path or @name)"
            case .socket(let code): "cannot create a socket for NOTIFY_SOCKET: \(String(cString: strerror(code)))"
            case .send(let code): "cannot notify systemd: \(String(cString: strerror(code)))"
            }
        }
    }

    /// The socket's address bytes as in `sun_path` (a leading NUL for the abstract namespace).
    let address: [UInt8]?

    public init(environment: [String: String] = ProcessInfo.processInfo.environment) throws {
        guard let value = environment["NOTIFY_SOCKET"], !value.isEmpty else {
            address = nil
            return
        }
        var bytes = Array(value.utf8)
        if bytes.first == UInt8(ascii: "@") {
            bytes[0] = 0
        } else if bytes.first != UInt8(ascii: "/") {
            throw NotifyError.badAddress(value)
        }
        let capacity = MemoryLayout.size(ofValue: sockaddr_un().sun_path)
        guard bytes.count < capacity, bytes.count > 1 else { throw NotifyError.badAddress(value) }
        address = bytes
    }

    public var isEnabled: Bool { address != nil }

    /// Sends `state` (`KEY=VALUE` lines) as one datagram.
    public func notify(_ state: String) throws {
        guard let address else { return }
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw NotifyError.socket(errno) }
        defer { close(fd) }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { path in
            path.copyBytes(from: address)
        }
        // Exactly the name's bytes: an abstract name has no terminating NUL.
        let length = socklen_t(MemoryLayout<sa_family_t>.size + address.count)
        let payload = Array(state.utf8)
        let sent = withUnsafePointer(to: &socketAddress) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { addr in
                payload.withUnsafeBytes { bytes in
                    sendto(fd, bytes.baseAddress, bytes.count, Int32(MSG_NOSIGNAL), addr, length)
                }
            }
        }
        guard sent == payload.count else { throw NotifyError.send(errno) }
    }

    /// How often systemd wants `WATCHDOG=1` (`WatchdogSec`), when it wants it of this process.
    public static func watchdogInterval(environment: [String: String] = ProcessInfo.processInfo.environment) -> Duration? {
        guard let text = environment["WATCHDOG_USEC"], let usec = UInt64(text), usec > 0 else { return nil }
        if let pid = environment["WATCHDOG_PID"], let wanted = Int32(pid), wanted != getpid() { return nil }
        return .microseconds(usec)
    }
}
