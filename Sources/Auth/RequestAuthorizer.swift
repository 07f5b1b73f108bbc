import AsyncHTTPClient

/// Authorizes each outgoing request. HelseID + DPoP will implement this later:
/// it needs the method and the URL without query (DPoP `htm`/`htu`) and may renew a token.
public protocol RequestAuthorizer: Sendable {
    /// Adds whatever credentials the request needs (e.g. `Authorization` and `DPoP` headers).
    /// Throwing means no credential could be had (token service down): the caller treats that as
    /// transient trouble, with the request never sent.
    func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws
    /// Called after a 401: drop any cached credential so the next `authorize` renews it.
    func credentialsRejected() async
}
