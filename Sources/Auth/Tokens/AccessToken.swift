import Foundation

/// An access token and when to stop using it. Its value is never logged.
package struct AccessToken: Sendable, Equatable {
    package let value: String
    package let expiresAt: Date
    /// Renewal starts here: a little before expiry, so a request in flight does not carry a
    /// token that runs out on the way.
    package let renewAt: Date

    package init(value: String, lifetime: TimeInterval, now: Date = Date()) {
        self.value = value
        expiresAt = now + lifetime
        // A fifth of the lifetime, at most a minute, before expiry.
        renewAt = now + lifetime - min(60, lifetime / 5)
    }

    func isFresh(at now: Date) -> Bool { now < renewAt }
}

/// A token never shows its value, in a log line, a failed assertion or a dump.
extension AccessToken: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    package var description: String { "AccessToken(expiresAt: \(expiresAt), value redacted)" }
    package var debugDescription: String { description }
    package var customMirror: Mirror { Mirror(self, children: ["expiresAt": expiresAt]) }
}
