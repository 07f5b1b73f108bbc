import AsyncHTTPClient
import NIOHTTP1
import Foundation
import Logging
import NIOCore

/// Authorizes Altinn calls with `Authorization: Bearer <Altinn token>`: a Maskinporten token
/// from a signed JWT grant, exchanged at Altinn (docs/docs/docs/altinn-correspondence.md §2). Both
/// tokens are cached until shortly before they expire.
package final class AltinnAuthorizer: RequestAuthorizer {
    private let maskinporten: TokenCache
    private let altinn: TokenCache

    package init(
        settings: MaskinportenSettings, key: SigningKey, httpClient: HTTPClient, timeout: TimeAmount = .seconds(30),
        logger: Logger = Logger(label: "dropbridge.maskinporten")
    ) {
        let grant = MaskinportenGrant(
            settings: settings, assertions: ClientAssertionSigner(clientID: settings.clientID, key: key),
            endpoint: TokenEndpoint(service: "Maskinporten", url: settings.tokenEndpoint, httpClient: httpClient, timeout: timeout),
            logger: logger)
        let maskinporten = TokenCache { try await grant.fetch() }
        let exchange = TokenEndpoint(service: "Altinn", url: settings.exchangeURL, httpClient: httpClient, timeout: timeout)
        self.maskinporten = maskinporten
        altinn = TokenCache {
            var retried = false
            while true {
                let source = try await maskinporten.token()
                let reply = try await exchange.get(headers: [("Authorization", "Bearer \(source.value)"), ("Accept", "text/plain")])
                if reply.status == 200 { return try Self.altinnToken(from: reply) }
                // Altinn refused a Maskinporten token we thought valid: get a new one, once.
                if reply.status == 401, !retried {
                    retried = true
                    await maskinporten.invalidate(source.value)
                    continue
                }
                let failure = exchange.failure(reply)
                logger.error("\(failure)", metadata: ["maskinporten.clientId": "\(settings.clientID)"])
                throw failure
            }
        }
    }

    package func authorize(_ request: inout HTTPClientRequest, method: String, url: String) async throws {
        let token = try await altinn.token()
        request.headers.replaceOrAdd(name: "Authorization", value: "Bearer \(token.value)")
    }

    package func credentialsRejected(_ request: HTTPClientRequest, answer: HTTPHeaders) async {
        await altinn.invalidate(Self.token(in: request, scheme: "Bearer"))
    }

    /// The exchange answers with the Altinn JWT as the body (plain, or as a JSON string). Its
    /// lifetime is read from the token's own `exp`; the token is not ours to verify.
    static func altinnToken(from reply: TokenEndpoint.Reply, now: Date = Date()) throws(AuthorizationError) -> AccessToken {
        var text = String(decoding: reply.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        if text.hasPrefix("\""), text.hasSuffix("\""), text.count >= 2 { text = String(text.dropFirst().dropLast()) }
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let payload = Base64URL.decode(String(parts[1])),
            let claims = (try? JSONSerialization.jsonObject(with: Data(payload))) as? [String: Any],
            let exp = (claims["exp"] as? NSNumber)?.doubleValue
        else {
            throw .unavailable("Altinn answered the token exchange without a token dropbridge can read")
        }
        return AccessToken(value: text, lifetime: max(1, exp - now.timeIntervalSince1970), now: now)
    }
}

/// Maskinporten's JWT grant (`urn:ietf:params:oauth:grant-type:jwt-bearer`).
struct MaskinportenGrant: Sendable {
    let settings: MaskinportenSettings
    let assertions: ClientAssertionSigner
    let endpoint: TokenEndpoint
    let logger: Logger

    func fetch() async throws -> AccessToken {
        let assertion: String
        do {
            assertion = try await assertions.maskinportenGrant(audience: settings.audience, scope: settings.scope)
        } catch {
            throw AuthorizationError.credentialsRefused("the Maskinporten key could not sign: \(error)")
        }
        let reply = try await endpoint.post(form: [
            ("grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer"), ("assertion", assertion),
        ])
        guard reply.status == 200 else {
            let failure = endpoint.failure(reply)
            logger.error("\(failure)", metadata: ["maskinporten.clientId": "\(settings.clientID)"])
            throw failure
        }
        logger.info("Maskinporten access token obtained", metadata: ["maskinporten.clientId": "\(settings.clientID)"])
        return try endpoint.token(from: reply)
    }
}
