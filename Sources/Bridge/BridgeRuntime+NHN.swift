import AsyncHTTPClient
import DropbridgeCore
import Logging
import NHNClient

extension BridgeRuntime {
    /// NHN: the client (sending, receiving, registering) and the HER-ids' registrations.
    struct NHNParts {
        let client: NHNClient
        let registrations: Registrations

        init(config: BridgeConfig, credentials: Credentials, httpClient: HTTPClient, shared: SharedParts) {
            let endpoint = NHNEndpoint(
                baseURL: config.nhn.baseURL, sourceSystem: config.nhn.sourceSystem,
                applicationName: config.nhn.applicationName, applicationVersion: config.nhn.applicationVersion,
                requestTimeout: .seconds(config.nhn.requestTimeoutSeconds))
            client = NHNClient(
                endpoint: endpoint, httpClient: httpClient,
                authorizer: credentials.nhnAuthorizer(httpClient: httpClient, timeout: config.nhn.requestTimeoutSeconds),
                logger: Logger(label: "dropbridge.nhn"), metrics: shared.metrics)
            registrations = Registrations(
                // With nhn.enabled false nothing is sent or received: nothing to register.
                herIds: config.nhn.enabled ? config.nhn.herIds + (config.nhn.senderHerId.map { [$0] } ?? []) : [],
                registrar: client, ledger: shared.ledger,
                retry: RetryPolicy(initialSeconds: 1, maxSeconds: min(30, config.nhn.maxBackoffSeconds)),
                logger: Logger(label: "dropbridge.registration"),
                // A refusal (403/423/401) waits for an operator: tried again every minute at first,
                // then less often, up to hourly.
                refusalRetry: RetryPolicy(initialSeconds: min(60, config.nhn.maxBackoffSeconds), maxSeconds: 3600))
        }
    }
}
