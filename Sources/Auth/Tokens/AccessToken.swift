import Foundation

/// An access token and when to stop using it. Its value is never logged.
public struct AccessToken: Sendable, Equatable {
    public let value: String
    public let expiresAt: Date
    /// Renewal starts here: a little before expiry, so a request in flight does not carry a
    /// token that runs out on the way.
    public let renewAt: Date

    public init(value: String, lifetime: TimeInterval, now: Date = Date()) {
        self.value = value
        expiresAt = now + lifetime
        // A fifth of the lifetime, at most a minute, before expiry.
        renewAt = now + lifetime - min(60, lifetime / 5)
    }

    func isFresh(at now: Date) -> Bool { now < renewAt }
}
