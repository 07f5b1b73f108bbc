/// Maskinporten (JWT grant) and the Altinn platform that exchanges its token.
package struct MaskinportenSettings: Sendable, Equatable {
    package var tokenEndpoint: String
    /// The grant's `aud`: Maskinporten's issuer, e.g. `https://test.maskinporten.no/`.
    package var audience: String
    package var clientID: String
    /// Space-separated, e.g. `altinn:correspondence.write altinn:serviceowner`.
    package var scope: String
    /// `altinn.baseURL`: the exchange is `{altinnBaseURL}/authentication/api/v1/exchange/maskinporten`.
    package var altinnBaseURL: String

    package init(tokenEndpoint: String, audience: String, clientID: String, scope: String, altinnBaseURL: String) {
        self.tokenEndpoint = tokenEndpoint
        self.audience = audience
        self.clientID = clientID
        self.scope = scope
        self.altinnBaseURL = altinnBaseURL
    }

    package var exchangeURL: String {
        var base = altinnBaseURL
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/authentication/api/v1/exchange/maskinporten"
    }
}
