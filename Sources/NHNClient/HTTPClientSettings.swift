import AsyncHTTPClient
import NIOCore

extension NHNClient {
    /// HTTP client settings that suit this client; pass them to the `HTTPClient` you hand in.
    ///
    /// - A refused connection fails at once instead of being retried silently until the request
    ///   deadline (AsyncHTTPClient's default), so an unreachable NHN is reported quickly as
    ///   "never arrived".
    /// - Redirects are not followed: a redirected `POST /messages` could be resent elsewhere;
    ///   a 3xx is reported as an unexpected (transient) answer instead.
    package static func recommendedHTTPClientConfiguration(connectTimeout: Duration = .seconds(10))
        -> HTTPClient.Configuration
    {
        var configuration = HTTPClient.Configuration()
        configuration.redirectConfiguration = .disallow
        configuration.connectionPool.retryConnectionEstablishment = false
        configuration.timeout.connect = TimeAmount(connectTimeout)
        configuration.decompression = .disabled
        return configuration
    }
}
