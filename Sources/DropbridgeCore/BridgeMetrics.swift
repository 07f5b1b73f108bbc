/// What the bridge tells its metrics as things happen (the Prometheus side lives in the
/// `Monitoring` module). Every call is cheap and never fails; the default does nothing, so
/// code and tests that do not care about metrics pass nothing.
package protocol BridgeMetrics: Sendable {
    /// A drop ended in `sent/` or `failed/`, or was held for an operator. `outcome` is `sent`,
    /// `failed` or `held`; `stage` is the failure's stage (`reading`, `validation`, `sending`,
    /// …) or `none`. `claimToAcceptedSeconds` is set for a drop NHN accepted.
    func dropFinished(channel: String, outcome: String, stage: String, claimToAcceptedSeconds: Double?)
    /// One request to an external API answered or failed. `api` is `nhn`, `helseid`,
    /// `altinn`, …; `call` a route without ids (`GET /messages/{id}`); `statusClass` is `2xx`,
    /// `3xx`, `4xx`, `5xx`, `transport` (no answer: refused, timeout, DNS) or `credentials`
    /// (not sent: no token could be had).
    func requestFinished(api: String, call: String, statusClass: String, seconds: Double)
    /// An API took our credentials (`refusal` nil: it answered something other than 401) or
    /// refused them (`refusal` says why, in an operator's words; never a token).
    func credentials(api: String, refusal: String?)
    /// A notification read from NHN, by its type (`NewMessage`, `StatusChanged`, …).
    func notificationReceived(type: String)
    /// A received document written to `inbox/`.
    func inboxWritten()
    /// An AppRec sent (`direction` `out`) or received (`in`), with its status (`Ok`, `Rejected`,
    /// `OkErrorInMessagePart`, or `refused` for one NHN would not take).
    func appRec(direction: String, status: String)
    /// A send repeated after an attempt whose answer was lost: the receiver may get it twice.
    func possibleDuplicate()
    /// NHN's notification stream sent an event past the 1 MiB cap: the stream was dropped and
    /// reopened from the saved offset (the ledger counts it per batch too, for `status`).
    func notificationEventTooLarge()
}

extension BridgeMetrics {
    package func dropFinished(channel: String, outcome: String, stage: String, claimToAcceptedSeconds: Double?) {}
    package func requestFinished(api: String, call: String, statusClass: String, seconds: Double) {}
    package func credentials(api: String, refusal: String?) {}
    package func notificationReceived(type: String) {}
    package func inboxWritten() {}
    package func appRec(direction: String, status: String) {}
    package func possibleDuplicate() {}
    package func notificationEventTooLarge() {}
}

/// No metrics: the default wherever nothing was injected.
package struct NoMetrics: BridgeMetrics {
    package init() {}
}

/// The status class of an HTTP status code, as `BridgeMetrics.requestFinished` labels it.
package func httpStatusClass(_ status: Int) -> String {
    switch status {
    case 200..<300: "2xx"
    case 300..<400: "3xx"
    case 400..<500: "4xx"
    case 500..<600: "5xx"
    default: "other"
    }
}
