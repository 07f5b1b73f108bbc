import DropbridgeCore
import Foundation
import NIOHTTP1

/// Reads NHN's ProblemDetails (`mshApiProblemDetails`: RFC 9110 fields plus `errorCode`,
/// `requestId`, `validationErrors`) and turns an error answer into one sentence.
enum ProblemSummary {
    /// The JSON error body, if there is one. Accepts `application/problem+json`,
    /// `application/json` and any other JSON type; a body without a content type is tried too.
    static func problem(in response: NHNResponse) -> JSONValue? {
        guard !response.body.isEmpty, !response.bodyTruncated else { return nil }
        if let type = response.headers.first(name: "Content-Type")?.lowercased(), !type.contains("json") {
            return nil
        }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(response.body))
    }

    /// NHN's request id for support: from the problem body, else a response header.
    static func requestId(in response: NHNResponse, problem: JSONValue? = nil) -> String? {
        if let id = (problem ?? self.problem(in: response))?["requestId"]?.stringValue, !id.isEmpty {
            return clip(id)
        }
        for name in ["x-request-id", "request-id", "x-correlation-id"] {
            if let id = response.headers.first(name: name), !id.isEmpty { return clip(id) }
        }
        return nil
    }

    /// `HTTP 400 (Bad Request): One or more validation errors occurred. senderHerId is required
    /// [validation: …] (errorCode 1001, requestId abc).`
    static func describe(_ response: NHNResponse, problem: JSONValue?, call: String) -> String {
        let phrase = HTTPResponseStatus(statusCode: response.status).reasonPhrase
        var text = "HTTP \(response.status)"
        if !phrase.isEmpty, !phrase.hasPrefix("<") { text += " (\(phrase))" }

        var parts: [String] = []
        if let title = problem?["title"]?.stringValue, !title.isEmpty { parts.append(sentence(title)) }
        if let detail = problem?["detail"]?.stringValue, !detail.isEmpty, detail != problem?["title"]?.stringValue {
            parts.append(sentence(detail))
        }
        if case .array(let items)? = problem?["validationErrors"] {
            let messages = items.compactMap(\.stringValue).prefix(3).map { clip($0) }
            if !messages.isEmpty { parts.append("Validation: \(messages.joined(separator: "; ")).") }
        }
        if problem == nil {
            parts.append(response.body.isEmpty ? "No error description." : "The error description was not JSON.")
        }
        if !parts.isEmpty { text += ": " + parts.joined(separator: " ") }

        var ids: [String] = []
        if let code = problem?["errorCode"]?.intValue { ids.append("errorCode \(code)") }
        if let requestId = requestId(in: response, problem: problem) { ids.append("requestId \(requestId)") }
        if !ids.isEmpty { text += " (\(ids.joined(separator: ", ")))" }
        return text
    }

    private static func sentence(_ text: String) -> String {
        let clipped = clip(text)
        return clipped.hasSuffix(".") || clipped.hasSuffix("…") ? clipped : clipped + "."
    }

    /// Keeps server-provided text to one short line.
    static func clip(_ text: String, max: Int = 300) -> String {
        let oneLine = text.map { $0.isNewline || $0 == "\t" ? " " : $0 }
        let trimmed = String(oneLine).trimmingCharacters(in: .whitespaces)
        return trimmed.count > max ? String(trimmed.prefix(max)) + "…" : trimmed
    }
}
