import Foundation

/// Holds one access token and renews it when it is due or was rejected. One renewal is in
/// flight at a time, shared by every caller that needs a token meanwhile.
actor TokenCache {
    private let fetch: @Sendable () async throws -> AccessToken
    private var current: AccessToken?
    private var renewal: Task<AccessToken, any Error>?
    /// After a failed renewal the failure is repeated for a while instead of asking again for
    /// every waiting request (which would hammer the service and fill the log with one line):
    /// long after a refusal (an operator must act), briefly after passing trouble.
    private var lastFailure: (error: any Error, until: Date)?
    private let refusalPause: TimeInterval
    private let troublePause: TimeInterval

    init(
        refusalPause: TimeInterval = 30, troublePause: TimeInterval = 2,
        fetch: @escaping @Sendable () async throws -> AccessToken
    ) {
        self.fetch = fetch
        self.refusalPause = refusalPause
        self.troublePause = troublePause
    }

    func token() async throws -> AccessToken {
        let now = Date()
        if let current, current.isFresh(at: now) { return current }
        if let renewal { return try await renewal.value }
        if let lastFailure, lastFailure.until > now { return try usable(after: lastFailure.error, now: now) }
        let task = Task {
            let token = try await fetch()
            // Stored before any waiter resumes, so a 401 with this token finds it cached.
            self.store(token)
            return token
        }
        renewal = task
        defer { if renewal == task { renewal = nil } }
        do {
            return try await task.value
        } catch {
            let refused = (error as? AuthorizationError).map { if case .credentialsRefused = $0 { true } else { false } } ?? false
            lastFailure = (error, Date() + (refused ? refusalPause : troublePause))
            return try usable(after: error, now: Date())
        }
    }

    /// After passing trouble the old token serves while it has not expired (renewal starts
    /// early); a refusal or an expired token ends it.
    private func usable(after error: any Error, now: Date) throws -> AccessToken {
        if let current, current.expiresAt > now,
            let trouble = error as? AuthorizationError, case .unavailable = trouble
        {
            return current
        }
        throw error
    }

    private func store(_ token: AccessToken) {
        current = token
        lastFailure = nil
    }

    /// Forgets `value` if it is still the cached token (several requests rejected with the same
    /// token cause one renewal, not one each). nil forgets whatever is cached.
    func invalidate(_ value: String?) {
        guard let current else { return }
        if value == nil || current.value == value { self.current = nil }
    }
}
