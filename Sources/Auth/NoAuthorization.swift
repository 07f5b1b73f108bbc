import AsyncHTTPClient

/// Sends requests without credentials. Only for a loopback simulator: NHN itself rejects these.
public struct NoAuthorization: RequestAuthorizer {
    public init() {}

    public func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws {}

    public func credentialsRejected() async {}
}
