#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// `GET /ping` (reference nhn-edi2.md §3.10).
enum PingRoute {
    static func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get("ping") { _, _ in
            JSONResponse.make(status: .ok, ["response": "Pong", "timestampUtc": Date().formatted(.iso8601)])
        }
    }
}
