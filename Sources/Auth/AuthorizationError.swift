/// Why no credential could be had for a request.
package enum AuthorizationError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The token service refused our credentials (unknown client, key not registered, bad
    /// signature, scope not granted): no retry helps until an operator fixes the set-up.
    case credentialsRefused(String)
    /// The token service could not be reached or could not answer now: try again later.
    case unavailable(String)

    package var description: String {
        switch self {
        case .credentialsRefused(let reason), .unavailable(let reason): reason
        }
    }
}
