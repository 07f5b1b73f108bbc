import Foundation
import Hummingbird

/// `/_sim/auth`: register clients' public keys (as at the HelseID and Maskinporten portals),
/// see what the token services did, and expire every token to test renewal.
struct AuthInspectionRoutes: Sendable {
    let authority: AuthorityState

    struct Registration: Decodable {
        var clientId: String
        /// The public JWK, as `dropbridge keygen` writes it.
        var jwk: [String: StringMember]
    }

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get("auth") { _, _ in
            JSONResponse.make(status: .ok, await authority.counters)
        }
        group.post("auth/clients") { request, _ in
            try RequestBodyReader.requireJSON(request)
            let body = try await RequestBodyReader.collect(request, limit: 64 * 1024)
            guard let registration = try? JSONDecoder().decode(Registration.self, from: Data(body)),
                let client = RegisteredClient(clientID: registration.clientId, members: registration.jwk.compactMapValues(\.string))
            else {
                throw NHNProblem.validation(
                    "The registration is not valid.",
                    errors: ["$: expected {\"clientId\": \"…\", \"jwk\": {public RSA or EC JWK, no private members}}"])
            }
            await authority.register(client)
            return JSONResponse.make(status: .created, ["clientId": client.clientID, "kid": client.keyID ?? client.publicKey.thumbprint])
        }
        group.post("auth/expire-tokens") { _, _ in
            await authority.expireAllTokens()
            return Response(status: .noContent)
        }
    }
}
