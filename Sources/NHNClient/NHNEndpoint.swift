/// Where and as whom the client talks to NHN's Meldingstjener API (version 3).
package struct NHNEndpoint: Sendable {
    /// e.g. `https://api.tjener.test.melding.nhn.no` (a trailing `/` is allowed).
    package var baseURL: String
    /// Sent as `nhn-source-system` on every call, e.g. `"dropbridge, v1.0.0"`.
    package var sourceSystem: String
    /// Sent in `POST /messages` and AppRec bodies.
    package var applicationName: String
    package var applicationVersion: String
    /// Deadline for one HTTP exchange (the retry after a 401 gets its own).
    package var requestTimeout: Duration

    package init(
        baseURL: String, sourceSystem: String, applicationName: String, applicationVersion: String,
        requestTimeout: Duration = .seconds(120)
    ) {
        self.baseURL = baseURL
        self.sourceSystem = sourceSystem
        self.applicationName = applicationName
        self.applicationVersion = applicationVersion
        self.requestTimeout = requestTimeout
    }

    /// The absolute URL of an API path such as `/messages`, without a query string.
    func url(path: String) -> String {
        var base = Substring(baseURL)
        while base.hasSuffix("/") { base = base.dropLast() }
        return path.hasPrefix("/") ? "\(base)\(path)" : "\(base)/\(path)"
    }
}
