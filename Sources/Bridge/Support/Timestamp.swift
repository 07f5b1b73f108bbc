import Foundation

/// Times as the contract writes them: ISO 8601 in UTC with seconds, e.g. `2026-11-22T10:15:00Z`.
package enum Timestamp {
    package static func now() -> Double { Date().timeIntervalSince1970 }

    package static func iso8601(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }
}
