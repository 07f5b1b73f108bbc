/// Where and as whom dropbridge asks HelseID for tokens.
package struct HelseIDSettings: Sendable, Equatable {
    package var tokenEndpoint: String
    /// The client assertion's `aud`.
    package var issuer: String
    package var clientID: String
    /// Empty: the client's configuration at HelseID decides.
    package var scope: String

    package init(tokenEndpoint: String, issuer: String, clientID: String, scope: String) {
        self.tokenEndpoint = tokenEndpoint
        self.issuer = issuer
        self.clientID = clientID
        self.scope = scope
    }
}
