import AsyncHTTPClient
import Auth
import Bridge
import DropbridgeCore
import Foundation
import Logging
import NHNClient
import XMLCheck

/// The remote half of `check`: a token from HelseID, `GET /ping` at NHN, the Maskinporten grant
/// and Altinn exchange. Nothing is sent: tokens are obtained and thrown away, ping is a GET.
enum ServiceChecks {
    static func schemas(_ config: BridgeConfig) -> CheckLine {
        do {
            let set = try SchemaSet.compile(directory: config.schemas.directory)
            let namespaces = set.namespaces.sorted()
            return .ok("schemas", "\(set.files.count) file(s) in \(config.schemas.directory) compile; namespaces: \(namespaces.joined(separator: ", "))")
        } catch {
            if config.schemas.require {
                return .fail("schemas", "\(config.schemas.directory): \(error) (schemas.require is true)")
            }
            return .ok("schemas", "none usable in \(config.schemas.directory) (\(error)); schemas.require is false: well-formedness only")
        }
    }

    static func remote(_ config: BridgeConfig, credentials: Credentials, logger: Logger) async -> [CheckLine] {
        var settings = NHNClient.recommendedHTTPClientConfiguration()
        settings.timeout = .init(connect: .seconds(10), read: .seconds(Int64(min(config.nhn.requestTimeoutSeconds, 30))))
        let httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: settings)
        let lines = await remote(config, credentials: credentials, httpClient: httpClient, logger: logger)
        try? await httpClient.shutdown()
        return lines
    }

    static func remote(_ config: BridgeConfig, credentials: Credentials, httpClient: HTTPClient, logger: Logger) async -> [CheckLine] {
        var lines: [CheckLine] = []
        let timeout = min(config.nhn.requestTimeoutSeconds, 30)
        let authorizer = credentials.nhnAuthorizer(httpClient: httpClient, timeout: timeout)
        var tokenOK = true
        if credentials.helseID != nil {
            do {
                var request = HTTPClientRequest(url: config.nhn.baseURL + "/ping")
                try await authorizer.authorize(&request, method: "GET", url: config.nhn.baseURL + "/ping")
                lines.append(.ok("helseid token", "obtained from \(config.helseID.tokenEndpoint) for \(config.helseID.clientId) (\(config.helseID.scope))"))
            } catch {
                tokenOK = false
                lines.append(.fail("helseid token", "\(config.helseID.tokenEndpoint): \(error)"))
            }
        } else {
            lines.append(.skip("helseid token", "helseid.enabled is false (a loopback simulator)"))
        }
        if !config.nhn.enabled {
            lines.append(.skip("nhn ping", "nhn.enabled is false"))
        } else if !tokenOK {
            lines.append(.fail("nhn ping", "not tried: no HelseID token"))
        } else {
            let endpoint = NHNEndpoint(
                baseURL: config.nhn.baseURL, sourceSystem: config.nhn.sourceSystem, applicationName: config.nhn.applicationName,
                applicationVersion: config.nhn.applicationVersion, requestTimeout: .seconds(timeout))
            let client = NHNClient(endpoint: endpoint, httpClient: httpClient, authorizer: authorizer, logger: logger)
            switch await client.ping() {
            case .pong(let time): lines.append(.ok("nhn ping", "GET \(config.nhn.baseURL)/ping answered\(time.map { " (NHN's time \($0))" } ?? "")"))
            case .failed(let failure): lines.append(.fail("nhn ping", "GET \(config.nhn.baseURL)/ping: \(failure.reason)"))
            }
        }
        if let maskinporten = credentials.maskinporten {
            let altinn = AltinnAuthorizer(settings: maskinporten.settings, key: maskinporten.key, httpClient: httpClient, timeout: .seconds(Int64(timeout)))
            do {
                var request = HTTPClientRequest(url: config.altinn.baseURL)
                try await altinn.authorize(&request, method: "GET", url: config.altinn.baseURL)
                lines.append(.ok("altinn token", "Maskinporten grant at \(maskinporten.settings.tokenEndpoint) and Altinn exchange at \(maskinporten.settings.exchangeURL)"))
            } catch {
                lines.append(.fail("altinn token", "\(error)"))
            }
        } else {
            lines.append(.skip("altinn token", "altinn.enabled is false"))
        }
        return lines
    }
}
