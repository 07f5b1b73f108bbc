import NIOCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Thrown after the connection was dropped on purpose: there is nobody left to answer.
struct ConnectionDropped: Error, Sendable {}

enum ConnectionDropper {
    /// Drops the TCP connection without an HTTP answer. `SO_LINGER` 0 turns the close into an
    /// RST, the closest thing to a proxy or network failure; the client sees a connection
    /// error, never a status code. Returns `ConnectionDropped` for the caller to throw.
    static func drop(_ channel: any Channel) async -> ConnectionDropped {
        if let socket = channel as? any SocketOptionProvider {
            try? await socket.setSoLinger(linger(l_onoff: 1, l_linger: 0)).get()
        }
        try? await channel.close(mode: .all).get()
        return ConnectionDropped()
    }
}
