import DropbridgeCore
import Foundation

/// Why an Altinn call did not give what was asked, classified for the bridge
/// (docs/altinn-correspondence.md §8).
package enum AltinnFailure: Error, Sendable, Equatable {
    /// 400/404/422 and other permanent 4xx: this correspondence will never be created as asked.
    case refused(httpStatus: Int, problem: JSONValue?, reason: String)
    /// 401 again after renewing the token, 403, or the token service refused our credentials:
    /// an operator must act (the drop is held).
    case unauthorized(reason: String)
    /// Network errors, 408, 429, 5xx, a token service that did not answer: try again later with
    /// the same idempotent key.
    case transient(reason: String, retryAfter: Duration?)

    package var reason: String {
        switch self {
        case .refused(_, _, let reason), .unauthorized(let reason), .transient(let reason, _): reason
        }
    }

    /// Classifies a finished non-2xx answer (after the one 401 retry).
    static func classify(_ response: AltinnResponse, call: String, now: Date = Date()) -> AltinnFailure {
        let problem = ProblemDetails.parse(response.body)
        // Altinn's messages may name the recipient: a person's number never reaches a log line.
        let said = ProblemDetails.summary(problem, body: response.body).map(PersonNumberMask.mask)
        let status = response.status
        switch status {
        case 408, 429, 500...599:
            return .transient(
                reason: "Altinn answered \(call) with HTTP \(status)\(said.map { ": \($0)" } ?? ""); \(AltinnClient.tryingAgain(call)).",
                retryAfter: response.retryAfter(now: now))
        case 401, 403:
            return .unauthorized(
                reason: "Altinn refused the credentials for \(call) (HTTP \(status))\(said.map { ": \($0)" } ?? ""); check the Maskinporten client's scopes and the resource's policy.")
        default:
            return .refused(
                httpStatus: status, problem: problem,
                reason: "Altinn refused \(call) (HTTP \(status))\(said.map { ": \($0)" } ?? "").")
        }
    }
}

/// Altinn's error bodies: ProblemDetails with an `errorCode` (an integer, or a string such as
/// "CORR-00001"), or the model-validation shape with `validationErrors` (and legacy `errors`).
package enum ProblemDetails {
    /// The body as JSON, when it is JSON (kept verbatim for `error.json`); a bare JSON string
    /// (error 3023) is kept as it is.
    static func parse(_ body: [UInt8]) -> JSONValue? {
        guard !body.isEmpty, let value = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return nil }
        return value
    }

    /// `errorCode` as an integer when it is one (or a string holding one).
    package static func errorCode(_ problem: JSONValue?) -> Int? {
        guard let value = problem?["errorCode"] else { return nil }
        if let code = value.intValue { return code }
        if let text = value.stringValue { return Int(text.filter(\.isNumber)) }
        return nil
    }

    /// One line for an operator: the detail (or title), the error code, the validation messages.
    static func summary(_ problem: JSONValue?, body: [UInt8]) -> String? {
        guard let problem else {
            let text = String(decoding: body.prefix(300), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            return text.isEmpty ? nil : clip(text)
        }
        if let text = problem.stringValue { return clip(text) }
        var parts: [String] = []
        if let detail = problem["detail"]?.stringValue ?? problem["title"]?.stringValue { parts.append(detail) }
        if let code = errorCode(problem) { parts.append("errorCode \(code)") }
        if case .array(let errors)? = problem["validationErrors"] {
            for error in errors.prefix(5) {
                let paths: String
                if case .array(let list)? = error["paths"] { paths = list.compactMap(\.stringValue).joined(separator: ", ") } else { paths = "" }
                parts.append([paths, error["detail"]?.stringValue ?? ""].filter { !$0.isEmpty }.joined(separator: ": "))
            }
        } else if case .object(let errors)? = problem["errors"] {
            for (key, value) in errors.sorted(by: { $0.key < $1.key }).prefix(5) {
                if case .array(let messages) = value {
                    parts.append("\(key): " + messages.compactMap(\.stringValue).joined(separator: "; "))
                }
            }
        }
        return parts.isEmpty ? nil : clip(parts.joined(separator: "; "))
    }

    static func clip(_ text: String, max: Int = 500) -> String {
        let single = text.replacingOccurrences(of: "\n", with: " ")
        return single.count <= max ? single : String(single.prefix(max)) + "…"
    }
}

/// A finished answer: status, headers that matter, body (bounded).
struct AltinnResponse: Sendable {
    var status: Int
    var retryAfterHeader: String?
    var body: [UInt8]

    var isSuccess: Bool { (200..<300).contains(status) }

    /// `Retry-After` in seconds (the HTTP-date form is rare here; it is taken as no hint).
    func retryAfter(now: Date) -> Duration? {
        guard let text = retryAfterHeader?.trimmingCharacters(in: .whitespaces), let seconds = Int(text), seconds >= 0 else {
            return nil
        }
        return .seconds(min(seconds, 3600))
    }
}
