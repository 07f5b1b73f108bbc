#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// `GET /ping` (docs/nhn-edi.md §3.10).
enum PingRoute {
    static func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get("ping") { _, _ in
            JSONResponse.make(status: .ok, ["response": "Pong", "timestampUtc": Date().formatted(.iso8601)])
        }
    }
}
