/// Where and as whom dropbridge asks HelseID for tokens.
public struct HelseIDSettings: Sendable, Equatable {
    public var tokenEndpoint: String
    /// The client assertion's `aud`.
    public var issuer: String
    public var clientID: String
    /// Empty: the client's configuration at HelseID decides.
    public var scope: String

    public init(tokenEndpoint: String, issuer: String, clientID: String, scope: String) {
        self.tokenEndpoint = tokenEndpoint
        self.issuer = issuer
        self.clientID = clientID
        self.scope = scope
    }
}
