/// How one request to a national service (NHN, Altinn) ended, as the metrics count it: the
/// same classification for every client, so the status page and `/readyz` read them alike.
package enum RequestObservation: Sendable, Equatable {
    /// The service answered with this HTTP status.
    case answered(status: Int)
    /// Not sent for want of a token (says nothing about the service's reachability); with the
    /// refusal when the identity provider refused the credentials.
    case notSent(credentialsRefusal: String?)
    /// Sent, but no answer came (connection refused or reset, timeout).
    case noAnswer
}

extension BridgeMetrics {
    /// Counts one exchange with `api` ("nhn", "altinn"; `service` names it in the refusal text),
    /// labelled `call`; a 401 answer notes the credentials as refused, any other answer as fine.
    package func observe(
        _ observation: RequestObservation, api: String, service: String, call: String, label: String, seconds: Double
    ) {
        switch observation {
        case .answered(let status):
            credentials(api: api, refusal: status == 401 ? "\(service) answered \(label) with 401 Unauthorized." : nil)
            requestFinished(api: api, call: call, statusClass: httpStatusClass(status), seconds: seconds)
        case .notSent(let refusal):
            if let refusal { credentials(api: api, refusal: refusal) }
            requestFinished(api: api, call: call, statusClass: "credentials", seconds: seconds)
        case .noAnswer:
            requestFinished(api: api, call: call, statusClass: "transport", seconds: seconds)
        }
    }
}
