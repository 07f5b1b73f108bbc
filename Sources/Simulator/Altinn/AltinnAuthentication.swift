#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// Who is calling the Correspondence API, from the bearer token (reference §2, §13.10).
struct AltinnCaller: Sendable {
    var clientID: String
    var scopes: Set<String>
}

/// The Correspondence API's token rules: an Altinn token the simulated exchange issued (or,
/// since July 2025, a raw Maskinporten token with both `altinn:serviceowner` and
/// `altinn:correspondence.write`), not expired to the second, with the call's scope.
struct AltinnAuthentication: Sendable {
    let authority: AuthorityState

    static let write = "altinn:correspondence.write"
    static let read = "altinn:correspondence.read"
    static let serviceOwner = "altinn:serviceowner"

    /// `anyOf`: the scopes any one of which admits the call.
    func caller(_ request: Request, anyOf scopes: Set<String>) async throws(AltinnProblem) -> AltinnCaller {
        guard authority.settings.required else { return AltinnCaller(clientID: "anonymous", scopes: scopes) }
        guard let value = request.credentials(scheme: "Bearer") else {
            throw AltinnProblem(status: .unauthorized, kind: .unauthenticated(challenge: "Bearer"))
        }
        guard let token = await authority.token(value), token.audience == .altinn || token.audience == .maskinporten else {
            await authority.countRefusal("Altinn: unknown bearer token")
            throw AltinnProblem(
                status: .unauthorized, kind: .unauthenticated(challenge: "Bearer error=\"invalid_token\""))
        }
        // ClockSkew = TimeSpan.Zero: one second past `exp` is too late.
        guard token.expiresAt > Date() else {
            await authority.countRefusal("Altinn: token expired")
            throw AltinnProblem(
                status: .unauthorized,
                kind: .unauthenticated(
                    challenge: "Bearer error=\"invalid_token\", error_description=\"The token expired at '\(AltinnDate.format(token.expiresAt))'\""))
        }
        let granted = Set(token.scope.split(separator: " ").map(String.init))
        if token.audience == .maskinporten, !granted.isSuperset(of: [Self.serviceOwner, Self.write]) {
            await authority.countRefusal("Altinn: a Maskinporten token without altinn:serviceowner and write")
            throw AltinnProblem(status: .forbidden, kind: .forbidden)
        }
        guard !granted.isDisjoint(with: scopes) else {
            await authority.countRefusal("Altinn: the token lacks \(scopes.sorted().joined(separator: " or "))")
            throw AltinnProblem(status: .forbidden, kind: .forbidden)
        }
        return AltinnCaller(clientID: token.clientID, scopes: granted)
    }
}

/// `AcceptHeaderValidationMiddleware`: an `Accept` that admits neither `application/json` nor
/// `*/*` is a 406 with a plain-text body (a missing `Accept` is fine, §13.9).
struct AltinnAcceptMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let values = request.headers[values: .accept]
        guard values.isEmpty || Self.admitsJSON(values.joined(separator: ",")) else {
            throw AltinnProblem(
                status: .notAcceptable, kind: .plain("Not Acceptable: the Accept header must allow application/json"))
        }
        return try await next(request, context)
    }

    static func admitsJSON(_ accept: String) -> Bool {
        accept.split(separator: ",").contains { range in
            let parts = range.split(separator: ";").map { trimmed(String($0)).lowercased() }
            guard let mediaType = parts.first else { return false }
            let refused = parts.dropFirst().contains { $0.replacingOccurrences(of: " ", with: "") == "q=0" }
            return !refused && (mediaType == "application/json" || mediaType == "*/*" || mediaType == "application/*")
        }
    }
}
