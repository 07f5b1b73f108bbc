import AsyncHTTPClient
import NIOHTTP1

/// Sends requests without credentials. For test doubles of NHN that check no credentials;
/// NHN itself (and the simulator) refuses these.
package struct NoAuthorization: RequestAuthorizer {
    package init() {}

    package func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws {}

    package func credentialsRejected(_ request: HTTPClientRequest, answer: HTTPHeaders) async {}
}
