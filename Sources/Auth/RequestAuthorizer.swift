import AsyncHTTPClient
import NIOHTTP1

/// Authorizes each outgoing request: HelseID + DPoP for NHN, Maskinporten/Altinn tokens for
/// Altinn. `url` is the request URL without its query (a DPoP proof's `htu`).
package protocol RequestAuthorizer: Sendable {
    /// Adds whatever credentials the request needs (e.g. `Authorization` and `DPoP` headers).
    /// Throws `AuthorizationError.credentialsRefused` when the token service refused our
    /// credentials (an operator must act) and `.unavailable` when it could not answer now;
    /// either way the request was never sent.
    func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws
    /// Called after a 401 to `request` with the answer's headers: forget the credential it
    /// carried so that the next `authorize` renews it (or, for a DPoP nonce demand, keep it
    /// and use the nonce).
    func credentialsRejected(_ request: HTTPClientRequest, answer: HTTPHeaders) async
    /// Called with the headers of every answer (any status): a server may hand out its next
    /// DPoP nonce on any response (RFC 9449 §8.2, §9), and the next request must carry it.
    func answered(_ answer: HTTPHeaders) async
}

extension RequestAuthorizer {
    /// Nothing to learn from answers (bearer tokens, no credentials).
    package func answered(_ answer: HTTPHeaders) async {}
}
