import AsyncHTTPClient
import DropbridgeCore
import Auth
import Logging

/// Client for NHN's Meldingstjener REST API, version 3 (reference/nhn-edi2.md §3).
///
/// Every call answers with an outcome value instead of throwing: transport trouble, refusals and
/// authorization failures are all classified (see `CallFailure`). One file per endpoint group
/// (`NHNClient+Messages.swift`, `+Configurations`, `+Ping`, `+Notifications`,
/// `+NotificationStream`, `+Inbound`) builds requests on top of the shared `perform(_:)` (or
/// `performStreaming(_:)` for the stream), which adds the common headers, authorization and the
/// single retry after a 401.
public final class NHNClient: Sendable {
    let endpoint: NHNEndpoint
    let httpClient: HTTPClient
    let authorizer: any RequestAuthorizer
    let logger: Logger
    /// Every exchange counted and timed by route and status class.
    let metrics: any BridgeMetrics

    /// The most of any response body kept in memory (ProblemDetails, `{id}`, …).
    static let maxResponseBodyBytes = 1 << 20

    public init(
        endpoint: NHNEndpoint, httpClient: HTTPClient, authorizer: any RequestAuthorizer, logger: Logger,
        metrics: any BridgeMetrics = NoMetrics()
    ) {
        self.metrics = metrics
        self.endpoint = endpoint
        self.httpClient = httpClient
        self.authorizer = authorizer
        self.logger = logger
    }
}
