import DropbridgeCore
import Foundation
import NIOHTTP1

/// Why a call did not succeed, in the terms the bridge acts on (docs/nhn-edi.md §5).
package enum CallFailure: Error, Sendable, Equatable {
    /// 400/403/404/413/415 and other 4xx: permanent for this request.
    case refused(httpStatus: Int, problem: JSONValue?, reason: String)
    /// 423: another HelseID client holds the HER-Id. Hold and alert an operator; do not retry.
    case locked(problem: JSONValue?, reason: String)
    /// 401 even after renewing the credential once.
    case unauthorized(problem: JSONValue?, reason: String)
    /// 408/429/5xx, connection errors, timeouts, token trouble: try again later.
    /// `requestMayHaveArrived` is false only when the request certainly never left (connect
    /// refused, DNS, no token); a non-idempotent call must not be repeated blindly otherwise.
    case transient(reason: String, retryAfter: Duration?, requestMayHaveArrived: Bool)

    /// How long the server asked us to wait (`Retry-After` on a 408/429/5xx), if it did.
    package var retryAfter: Duration? {
        if case .transient(_, let retryAfter, _) = self { return retryAfter }
        return nil
    }

    /// One sentence an operator understands.
    package var reason: String {
        switch self {
        case .refused(_, _, let reason), .locked(_, let reason), .unauthorized(_, let reason),
            .transient(let reason, _, _):
            return reason
        }
    }

    /// Classifies an answer that is not a success of the call (`call` is e.g. `POST /messages`).
    static func classify(_ response: NHNResponse, call: String, now: Date = Date()) -> CallFailure {
        let status = response.status
        let problem = ProblemSummary.problem(in: response)
        let described = ProblemSummary.describe(response, problem: problem, call: call)
        switch status {
        case 401:
            var reason = "NHN rejected the credentials for \(call) twice, even after renewing them; \(described)"
            if let challenge = response.headers.first(name: "WWW-Authenticate"),
                let error = WWWAuthenticate.errorText(challenge)
            {
                reason += " WWW-Authenticate: \(error)."
            }
            return .unauthorized(problem: problem, reason: reason)
        case 423:
            return .locked(
                problem: problem,
                reason: "NHN refused \(call) because another HelseID client holds the lock on the HER-Id; \(described)")
        case 408, 429, 500...599:
            let retryAfter = response.headers.first(name: "Retry-After").flatMap { RetryAfter.parse($0, now: now) }
            var reason = "NHN could not take \(call) now; \(described)"
            if let retryAfter { reason += " Retry after \(retryAfter.components.seconds) s." }
            // 408 and 429 mean the server did not process the request; a 5xx may have.
            return .transient(reason: reason, retryAfter: retryAfter, requestMayHaveArrived: status >= 500)
        case 400..<500:
            return .refused(httpStatus: status, problem: problem, reason: "NHN refused \(call) with \(described)")
        default:
            // 1xx/3xx/other: not a documented answer. Most likely a proxy or a wrong base URL;
            // keep the drop and retry rather than failing it permanently.
            return .transient(
                reason: "NHN gave an unexpected answer to \(call); \(described)", retryAfter: nil,
                requestMayHaveArrived: true)
        }
    }
}

/// Pulls `error` and `error_description` out of a `WWW-Authenticate` challenge such as
/// `DPoP error="invalid_token", error_description="The token expired"`.
enum WWWAuthenticate {
    static func errorText(_ challenge: String) -> String? {
        let error = parameter("error", in: challenge)
        let description = parameter("error_description", in: challenge)
        switch (error, description) {
        case (let error?, let description?): return "\(error) (\(description))"
        case (let error?, nil): return error
        case (nil, let description?): return description
        case (nil, nil): return nil
        }
    }

    static func parameter(_ name: String, in challenge: String) -> String? {
        var rest = Substring(challenge)
        while let range = rest.range(of: name + "=") {
            let before = rest[..<range.lowerBound].last
            rest = rest[range.upperBound...]
            // Must be the whole parameter name, not the tail of a longer one.
            guard before == nil || before == " " || before == "," else { continue }
            if rest.first == "\"" {
                let value = rest.dropFirst().prefix { $0 != "\"" }
                return ProblemSummary.clip(String(value))
            }
            let value = rest.prefix { $0 != "," && $0 != " " }
            return ProblemSummary.clip(String(value))
        }
        return nil
    }
}
