import AsyncHTTPClient
import Auth

extension Credentials {
    /// The authorizer NHN calls use (HelseID with DPoP, or none), for tools that talk to the
    /// same service outside the bridge's client: `dropbridge bench` measures the simulator's
    /// own answer rate for authenticated calls with it.
    package func nhnRequestAuthorizer(httpClient: HTTPClient, timeoutSeconds: Double) -> any RequestAuthorizer {
        nhnAuthorizer(httpClient: httpClient, timeout: timeoutSeconds)
    }
}
