import Auth
import Foundation

/// What the simulated token services remember: registered clients, nonces handed out, `jti`
/// values already used, and the tokens issued. One actor so a replay can never slip between a
/// check and its record.
actor AuthorityState {
    let settings: AuthenticationSettings
    private var clients: [String: RegisteredClient]
    private var nonces: [String: Date] = [:]
    private var usedIDs: [String: Date] = [:]
    private var tokens: [String: IssuedToken] = [:]
    private(set) var counters = AuthCounters()
    /// Expired nonces, `jti`s and tokens are dropped every few seconds, not on every request
    /// (a full sweep per request made the simulator the bench's bottleneck).
    private var nextSweep = Date()

    /// Where a token may be used.
    enum Audience: String, Sendable, Codable {
        case nhn, maskinporten, altinn
    }

    struct IssuedToken: Sendable {
        let clientID: String
        let audience: Audience
        /// The thumbprint of the DPoP key the token is bound to (`cnf.jkt`); nil for bearer tokens.
        let boundKey: String?
        let scope: String
        let expiresAt: Date
    }

    init(settings: AuthenticationSettings) {
        self.settings = settings
        clients = Dictionary(settings.clients.map { ($0.clientID, $0) }, uniquingKeysWith: { $1 })
    }

    func register(_ client: RegisteredClient) {
        clients[client.clientID] = client
    }

    func client(_ id: String) -> RegisteredClient? { clients[id] }

    // MARK: Nonces (RFC 9449 §8)

    func newNonce() -> String {
        let nonce = RandomID.make()
        sweepIfDue()
        // Duende IdentityServer (HelseID) takes a server nonce for about a minute: a client
        // that keeps the last one is told use_dpop_nonce again and must retry with the new one.
        nonces[nonce] = Date() + 60
        counters.nonceChallenges += 1
        return nonce
    }

    /// The next nonce, handed out with an accepted answer; `replaced` stops being accepted.
    func rotateNonce(replacing replaced: String?) -> String {
        if let replaced { nonces[replaced] = nil }
        let nonce = RandomID.make()
        nonces[nonce] = Date() + 60
        counters.noncesRotated += 1
        return nonce
    }

    func isValidNonce(_ nonce: String?) -> Bool {
        guard let nonce, let until = nonces[nonce] else { return false }
        return until > Date()
    }

    // MARK: Replay

    /// Records a `jti` (scoped by `kind`) as used until `until`; false when it was used already.
    func useOnce(_ id: String, kind: String, until: Date) -> Bool {
        sweepIfDue()
        let now = Date()
        let key = kind + "\u{0}" + id
        if let previous = usedIDs[key], previous > now { return false }
        usedIDs[key] = until
        return true
    }

    // MARK: Tokens

    /// Records a new token (`value`, or a random opaque one) and returns it with its lifetime.
    func issue(clientID: String, audience: Audience, boundKey: String?, scope: String, value: String? = nil) -> (token: String, lifetime: Int) {
        sweepIfDue()
        let now = Date()
        let token = value ?? "sim-\(audience.rawValue)-" + RandomID.make() + RandomID.make()
        let lifetime = settings.accessTokenSeconds
        tokens[token] = IssuedToken(
            clientID: clientID, audience: audience, boundKey: boundKey, scope: scope, expiresAt: now + Double(lifetime))
        counters.tokensIssued[audience.rawValue, default: 0] += 1
        return (token, lifetime)
    }

    func token(_ value: String) -> IssuedToken? { tokens[value] }

    /// Makes every issued token expired, as if time had passed (for tests of renewal).
    /// Every nonce handed out so far stops being accepted, as if its minute had passed.
    func expireAllNonces() {
        nonces.removeAll()
    }

    func expireAllTokens() {
        let past = Date() - 1
        tokens = tokens.mapValues {
            IssuedToken(clientID: $0.clientID, audience: $0.audience, boundKey: $0.boundKey, scope: $0.scope, expiresAt: past)
        }
    }

    private func sweepIfDue() {
        let now = Date()
        guard now >= nextSweep else { return }
        nextSweep = now + 5
        nonces = nonces.filter { $0.value > now }
        usedIDs = usedIDs.filter { $0.value > now }
        // Expired tokens are kept a while, so a late request hears "expired", not "unknown".
        tokens = tokens.filter { $0.value.expiresAt > now - 600 }
    }

    func countRefusal(_ reason: String) {
        counters.refusals.append(reason)
        if counters.refusals.count > 100 { counters.refusals.removeFirst() }
    }

    func countAcceptedProof() {
        counters.proofsAccepted += 1
    }
}

/// What `/_sim/auth` shows: how often tokens were issued, nonces demanded, and why requests
/// were refused (the latest 100 reasons).
package struct AuthCounters: Sendable, Codable, Equatable {
    package var tokensIssued: [String: Int] = [:]
    package var nonceChallenges = 0
    /// Nonces handed out with accepted NHN answers (`nhnRotatesNonce`).
    package var noncesRotated = 0
    package var proofsAccepted = 0
    package var refusals: [String] = []
}
