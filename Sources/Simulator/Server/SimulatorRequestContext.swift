#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import NIOCore

/// Per-request context: keeps the connection's channel so a fault can really drop the TCP
/// connection, and the request id every ProblemDetails carries.
struct SimulatorRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel
    let requestId: String

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
        requestId = UUID().uuidString.lowercased()
    }

    /// Body limits are enforced by the routes themselves (they must answer NHN's 413).
    var maxUploadSize: Int { Int.max }
}
