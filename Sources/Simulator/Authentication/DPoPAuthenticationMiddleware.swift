import Foundation
import Hummingbird

/// NHN's check of every API call: `Authorization: DPoP <token>` with a HelseID token for NHN
/// that has not expired, and a fresh DPoP proof for this method and URL, signed with the key
/// the token is bound to. Anything wrong is a 401 whose `WWW-Authenticate` says what.
struct DPoPAuthenticationMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext
    let authority: AuthorityState

    static let algorithms = "RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512"

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard authority.settings.required else { return try await next(request, context) }
        let usedNonce: String?
        do {
            usedNonce = try await check(request)
        } catch {
            if error.code != "use_dpop_nonce" {
                await authority.countRefusal("NHN: \(error.code ?? "no credentials"): \(error.reason)")
            }
            throw error.problem
        }
        await authority.countAcceptedProof()
        guard authority.settings.nhnDemandsNonce, authority.settings.nhnRotatesNonce else {
            return try await next(request, context)
        }
        // The next nonce goes out with this answer, whatever the route makes of the call.
        let fresh = await authority.rotateNonce(replacing: usedNonce)
        do {
            var response = try await next(request, context)
            response.headers[.dpopNonce] = fresh
            return response
        } catch var problem as NHNProblem {
            problem.headers[.dpopNonce] = fresh
            throw problem
        }
    }

    /// Checks the credentials; returns the nonce the proof carried.
    private func check(_ request: Request) async throws(Refusal) -> String? {
        guard let authorization = request.headers[.authorization], !authorization.isEmpty else {
            throw Refusal(code: nil, reason: "the request carries no Authorization header; NHN requires a HelseID token with DPoP")
        }
        guard let value = request.credentials(scheme: "DPoP") else {
            throw Refusal(code: "invalid_token", reason: "the token must be sent as Authorization: DPoP <token> (it is DPoP-bound)")
        }
        guard let token = await authority.token(value), token.audience == .nhn else {
            throw Refusal(code: "invalid_token", reason: "the access token is not one HelseID issued for NHN")
        }
        guard token.expiresAt > Date() else { throw Refusal(code: "invalid_token", reason: "the access token has expired") }
        let proof: DPoPVerifier.Verified
        do {
            proof = try await DPoPVerifier(authority: authority).verify(
                request, url: request.urlWithoutQuery, accessToken: value, nonceRequired: authority.settings.nhnDemandsNonce,
                window: DPoPVerifier.apiWindow)
        } catch {
            switch error {
            case .invalidProof(let reason): throw Refusal(code: "invalid_dpop_proof", reason: reason)
            case .useNonce:
                throw Refusal(
                    code: "use_dpop_nonce", reason: "Resource server requires nonce in DPoP proof",
                    nonce: await authority.newNonce())
            }
        }
        guard proof.thumbprint == token.boundKey else {
            throw Refusal(code: "invalid_token", reason: "the DPoP proof is signed with another key than the one the token is bound to (cnf.jkt)")
        }
        return proof.nonce
    }

    struct Refusal: Error {
        /// nil: no credentials at all (RFC 6750 §3.1: then no error code).
        var code: String?
        var reason: String
        /// Sent as `DPoP-Nonce` with a `use_dpop_nonce` refusal.
        var nonce: String? = nil

        var problem: NHNProblem {
            var challenge = "DPoP algs=\"\(DPoPAuthenticationMiddleware.algorithms)\""
            if let code {
                let description = reason.replacingOccurrences(of: "\"", with: "'")
                challenge += ", error=\"\(code)\", error_description=\"\(description)\""
            }
            var headers: HTTPFields = [.wwwAuthenticate: challenge]
            if let nonce { headers[.dpopNonce] = nonce }
            return NHNProblem(status: .unauthorized, errorCode: .unspecified, detail: reason, headers: headers)
        }
    }
}
