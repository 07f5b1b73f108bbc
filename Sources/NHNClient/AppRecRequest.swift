/// The body of `POST /messages/{id}/apprec` (docs/nhn-edi.md §3.8): NHN builds and sends
/// the AppRec. `applicationName`/`applicationVersion` are filled in from the endpoint on sending.
package struct AppRecRequest: Sendable, Equatable, Encodable {
    package enum Status: String, Sendable, Equatable, Encodable {
        case ok = "Ok"
        case rejected = "Rejected"
        /// Accepted on input by NHN; avoid sending unless needed (docs/nhn-edi.md §6).
        case okErrorInMessagePart = "OkErrorInMessagePart"
    }

    /// Our HER-Id; must be a receiver of the original.
    package var appRecSenderHerId: Int
    package var appRecStatus: Status
    /// Empty for `ok`; at least one for any other status (left out of the body when empty).
    package var appRecErrorList: [NHNAppRecError]
    var applicationName = ""
    var applicationVersion = ""

    package init(appRecSenderHerId: Int, appRecStatus: Status, appRecErrorList: [NHNAppRecError] = []) {
        self.appRecSenderHerId = appRecSenderHerId
        self.appRecStatus = appRecStatus
        self.appRecErrorList = appRecErrorList
    }

    package func encode(to encoder: any Encoder) throws {
        var json = encoder.container(keyedBy: AnyKey.self)
        try json.encode(appRecSenderHerId, forKey: AnyKey("appRecSenderHerId"))
        try json.encode(appRecStatus, forKey: AnyKey("appRecStatus"))
        if !appRecErrorList.isEmpty { try json.encode(appRecErrorList, forKey: AnyKey("appRecErrorList")) }
        try json.encode(applicationName, forKey: AnyKey("applicationName"))
        try json.encode(applicationVersion, forKey: AnyKey("applicationVersion"))
    }
}
