import AsyncHTTPClient
import NIOHTTP1

/// Sends requests without credentials. For test doubles of NHN that check no credentials;
/// NHN itself (and the simulator) refuses these.
public struct NoAuthorization: RequestAuthorizer {
    public init() {}

    public func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws {}

    public func credentialsRejected(_ request: HTTPClientRequest, answer: HTTPHeaders) async {}
}
