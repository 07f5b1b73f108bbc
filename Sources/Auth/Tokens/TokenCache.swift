import Foundation

/// Holds one access token and renews it when it is due or was rejected. One renewal is in
/// flight at a time, shared by every caller that needs a token meanwhile.
actor TokenCache {
    private let fetch: @Sendable () async throws -> AccessToken
    private var current: AccessToken?
    private var renewal: Task<AccessToken, any Error>?
    /// After the token service refused our credentials, the refusal is repeated for a while
    /// instead of asking again for every waiting request (which would hammer the service and
    /// fill the log with the same line).
    private var refusal: (error: AuthorizationError, until: Date)?
    private let refusalPause: TimeInterval

    init(refusalPause: TimeInterval = 30, fetch: @escaping @Sendable () async throws -> AccessToken) {
        self.fetch = fetch
        self.refusalPause = refusalPause
    }

    func token() async throws -> AccessToken {
        let now = Date()
        if let current, current.isFresh(at: now) { return current }
        if let refusal, refusal.until > now { throw refusal.error }
        if let renewal { return try await renewal.value }
        let task = Task { try await fetch() }
        renewal = task
        defer { if renewal == task { renewal = nil } }
        do {
            let token = try await task.value
            current = token
            refusal = nil
            return token
        } catch let error as AuthorizationError {
            if case .credentialsRefused = error { refusal = (error, Date() + refusalPause) }
            throw error
        }
    }

    /// Forgets `value` if it is still the cached token (several requests rejected with the same
    /// token cause one renewal, not one each). nil forgets whatever is cached.
    func invalidate(_ value: String?) {
        guard let current else { return }
        if value == nil || current.value == value { self.current = nil }
    }
}
