import AsyncHTTPClient
import Auth
import DropbridgeCore
import Foundation
import Logging

/// The keys and settings for each service dropbridge authenticates to, loaded and checked
/// before anything starts: a missing client id, an unreadable key or a key file that others
/// may read stops start-up with the key and the file named (exit 78).
public struct Credentials: Sendable {
    public struct HelseID: Sendable {
        public var settings: HelseIDSettings
        public var key: SigningKey
    }

    public struct Maskinporten: Sendable {
        public var settings: MaskinportenSettings
        public var key: SigningKey
    }

    /// nil: `helseid.enabled: false` (a loopback test double without authentication).
    public var helseID: HelseID?
    /// nil: `altinn.enabled: false`.
    public var maskinporten: Maskinporten?

    public init(helseID: HelseID? = nil, maskinporten: Maskinporten? = nil) {
        self.helseID = helseID
        self.maskinporten = maskinporten
    }

    public static func load(_ config: BridgeConfig, file: String) async throws(ConfigurationError) -> Credentials {
        var credentials = Credentials()
        if !config.helseID.enabled, !isLoopback(config.nhn.baseURL) {
            throw ConfigurationError(
                file: file, key: "helseid.enabled",
                message: "false is allowed only with a loopback nhn.baseURL (a local test double); NHN refuses calls without HelseID")
        }
        if config.helseID.enabled {
            let helseID = config.helseID
            try requireNonEmpty(helseID.clientId, key: "helseid.clientId", file: file, what: "the client id HelseID gave this system")
            credentials.helseID = HelseID(
                settings: HelseIDSettings(
                    tokenEndpoint: helseID.tokenEndpoint, issuer: helseID.effectiveIssuer, clientID: helseID.clientId,
                    scope: helseID.scope),
                key: try await loadKey(helseID.privateKeyFile, key: "helseid.privateKeyFile", file: file, keyID: helseID.keyId))
        }
        if config.altinn.enabled {
            let maskinporten = config.altinn.maskinporten
            let prefix = "altinn.maskinporten."
            try requireNonEmpty(maskinporten.clientId, key: prefix + "clientId", file: file, what: "the client id Maskinporten gave this system")
            try requireNonEmpty(maskinporten.audience, key: prefix + "audience", file: file, what: "Maskinporten's issuer URL")
            try requireNonEmpty(maskinporten.scope, key: prefix + "scope", file: file, what: "the scopes granted, space-separated")
            credentials.maskinporten = Maskinporten(
                settings: MaskinportenSettings(
                    tokenEndpoint: maskinporten.tokenEndpoint, audience: maskinporten.audience, clientID: maskinporten.clientId,
                    scope: maskinporten.scope, altinnBaseURL: config.altinn.baseURL),
                // Maskinporten takes RS256/384/512 grants only.
                key: try await loadKey(
                    maskinporten.privateKeyFile, key: prefix + "privateKeyFile", file: file, algorithm: .rs256,
                    keyID: maskinporten.keyId))
        }
        return credentials
    }

    /// The authorizer for NHN calls: HelseID with DPoP, or none when HelseID is off.
    public func nhnAuthorizer(httpClient: HTTPClient, timeout: Double) -> any RequestAuthorizer {
        guard let helseID else { return NoAuthorization() }
        return HelseIDAuthorizer(
            settings: helseID.settings, key: helseID.key, httpClient: httpClient, timeout: .seconds(Int64(timeout)),
            logger: Logger(label: "dropbridge.helseid"))
    }

    private static func loadKey(
        _ path: String, key: String, file: String, algorithm: SigningKey.Algorithm? = nil, keyID: String? = nil
    ) async throws(ConfigurationError) -> SigningKey {
        do {
            return try await SigningKey.load(file: path, algorithm: algorithm, keyID: keyID)
        } catch {
            let hint = algorithm.map { " (this service takes \($0.rawValue) signatures, so an RSA key)" } ?? ""
            throw ConfigurationError(file: file, key: key, message: "\(error)\(hint)")
        }
    }

    /// The name `localhost`, or an address in 127.0.0.0/8 or ::1, parsed as an address (so
    /// `127.evil.example`, a name anyone can point anywhere, is not loopback).
    static func isLoopback(_ url: String) -> Bool {
        guard var host = URLComponents(string: url)?.host?.lowercased() else { return false }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host == "localhost" { return true }
        var v4 = in_addr()
        if inet_pton(AF_INET, host, &v4) == 1 {
            // s_addr is in network byte order: its first byte is the first octet.
            return UInt32(bigEndian: v4.s_addr) >> 24 == 127
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, host, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { bytes in bytes.dropLast().allSatisfy { $0 == 0 } && bytes.last == 1 }
        }
        return false
    }

    private static func requireNonEmpty(_ value: String, key: String, file: String, what: String) throws(ConfigurationError) {
        guard value.trimmingCharacters(in: .whitespaces).isEmpty else { return }
        throw ConfigurationError(file: file, key: key, message: "is required (\(what))")
    }
}
