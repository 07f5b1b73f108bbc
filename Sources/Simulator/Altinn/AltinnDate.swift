#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Dates as Altinn sends and reads them: ISO 8601, offset `+00:00` on output.
enum AltinnDate {
    static func parse(_ text: String) -> Date? {
        let styles: [Date.ISO8601FormatStyle] = [
            .iso8601, Date.ISO8601FormatStyle(includingFractionalSeconds: true),
        ]
        for style in styles {
            if let date = try? style.parse(text) { return date }
        }
        // No offset: UTC.
        if !text.hasSuffix("Z"), !text.dropFirst(19).contains("+"), !text.dropFirst(19).contains("-") {
            for style in styles {
                if let date = try? style.parse(text + "Z") { return date }
            }
        }
        return nil
    }

    static func format(_ date: Date) -> String {
        let text = date.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true))
        return text.hasSuffix("Z") ? String(text.dropLast()) + "+00:00" : text
    }
}
