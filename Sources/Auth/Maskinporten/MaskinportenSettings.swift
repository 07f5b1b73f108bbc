/// Maskinporten (JWT grant) and the Altinn platform that exchanges its token.
public struct MaskinportenSettings: Sendable, Equatable {
    public var tokenEndpoint: String
    /// The grant's `aud`: Maskinporten's issuer, e.g. `https://test.maskinporten.no/`.
    public var audience: String
    public var clientID: String
    /// Space-separated, e.g. `altinn:correspondence.write altinn:serviceowner`.
    public var scope: String
    /// `altinn.baseURL`: the exchange is `{altinnBaseURL}/authentication/api/v1/exchange/maskinporten`.
    public var altinnBaseURL: String

    public init(tokenEndpoint: String, audience: String, clientID: String, scope: String, altinnBaseURL: String) {
        self.tokenEndpoint = tokenEndpoint
        self.audience = audience
        self.clientID = clientID
        self.scope = scope
        self.altinnBaseURL = altinnBaseURL
    }

    public var exchangeURL: String {
        var base = altinnBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/authentication/api/v1/exchange/maskinporten"
    }
}
