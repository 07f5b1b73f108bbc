import DropbridgeCore
import Foundation

/// The answer to `POST /messages`.
package enum SendOutcome: Sendable, Equatable {
    /// 2xx `{id}`: NHN took the message; `messageId` is the shipment id for status look-ups.
    case accepted(messageId: String)
    /// 400/403/404/413/415 and other 4xx: permanent.
    case refused(httpStatus: Int, problem: JSONValue?, reason: String)
    /// 423: hold the drop and alert an operator.
    case locked(problem: JSONValue?, reason: String)
    /// 401 twice (after one `credentialsRejected()` and retry).
    case unauthorized(problem: JSONValue?, reason: String)
    /// 408/429/5xx, connection errors, timeouts.
    case transient(reason: String, retryAfter: Duration?, requestMayHaveArrived: Bool)

    package init(_ failure: CallFailure) {
        switch failure {
        case .refused(let status, let problem, let reason):
            self = .refused(httpStatus: status, problem: problem, reason: reason)
        case .locked(let problem, let reason): self = .locked(problem: problem, reason: reason)
        case .unauthorized(let problem, let reason): self = .unauthorized(problem: problem, reason: reason)
        case .transient(let reason, let retryAfter, let arrived):
            self = .transient(reason: reason, retryAfter: retryAfter, requestMayHaveArrived: arrived)
        }
    }

    /// Classifies the final answer to `POST /messages` or another call answering 202 `{id}`
    /// (after any 401 retry).
    static func classify(_ response: NHNResponse, call: String = "POST /messages", now: Date = Date()) -> SendOutcome {
        guard response.isSuccess else { return SendOutcome(CallFailure.classify(response, call: call, now: now)) }
        if let id = shipmentId(in: response.body) ?? shipmentId(location: response.headers.first(name: "Location")) {
            return .accepted(messageId: id)
        }
        // NHN said yes but we cannot tell which message it is: the message is (probably) out,
        // so it must not be treated as never sent.
        return .transient(
            reason: "NHN answered \(call) with HTTP \(response.status) but without a message id.",
            retryAfter: nil, requestMayHaveArrived: true)
    }

    /// The last path segment of a 202's `Location` (`…/messages/<guid>`), for an answer whose
    /// body did not name the message (empty, cut, or not JSON): the message is out, and its id
    /// is what every later status look-up needs.
    static func shipmentId(location: String?) -> String? {
        guard let location, let path = URLComponents(string: location)?.percentEncodedPath else { return nil }
        guard let last = path.split(separator: "/").last, let id = String(last).removingPercentEncoding,
            !id.isEmpty, id.count <= 200, id.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
        else { return nil }
        // Only a Location naming a message: `/messages/{id}` (v3) or `/Messages/{id}` (v2).
        let segments = path.split(separator: "/")
        guard segments.count >= 2, segments[segments.count - 2].lowercased() == "messages" else { return nil }
        return id
    }

    /// `{"id": "<guid>"}` (v3), or a bare JSON string (v2 style).
    static func shipmentId(in body: [UInt8]) -> String? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return nil }
        let id = json["id"]?.stringValue ?? json.stringValue
        guard let id, !id.isEmpty, id.count <= 200 else { return nil }
        return id
    }
}

/// The answer to a call that returns nothing the bridge needs (e.g. `PUT /mshconfigurations`).
package enum CallOutcome: Sendable, Equatable {
    case succeeded
    case failed(CallFailure)
}

/// The answer to `GET /ping`.
package enum PingOutcome: Sendable, Equatable {
    /// 2xx; `timestampUtc` as NHN sent it, when it did.
    case pong(timestampUtc: String?)
    case failed(CallFailure)
}
