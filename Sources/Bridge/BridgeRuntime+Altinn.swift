import AltinnClient
import AsyncHTTPClient
import Auth
import DropbridgeCore
import Logging

extension BridgeRuntime {
    /// Altinn Correspondence: the channel drops go through and the poller that follows what
    /// was accepted. Nil with `altinn.enabled: false` (or without Maskinporten credentials).
    struct AltinnParts {
        let channel: AltinnChannel
        let poller: AltinnStatusPoller

        init?(config: BridgeConfig, credentials: Credentials, httpClient: HTTPClient, shared: SharedParts) {
            guard config.altinn.enabled, let maskinporten = credentials.maskinporten else { return nil }
            var client = AltinnClient(
                baseURL: config.altinn.baseURL, httpClient: httpClient,
                authorizer: AltinnAuthorizer(
                    settings: maskinporten.settings, key: maskinporten.key, httpClient: httpClient,
                    logger: Logger(label: "dropbridge.maskinporten")),
                requestTimeout: .seconds(config.nhn.requestTimeoutSeconds), logger: Logger(label: "dropbridge.altinn"))
            client.metrics = shared.metrics
            channel = AltinnChannel(
                client: client, ledger: shared.ledger, logger: Logger(label: "dropbridge.altinn"),
                parallelUploads: config.altinn.parallelUploads, budget: shared.memoryBudget)
            poller = AltinnStatusPoller(
                client: client, ledger: shared.ledger, receipts: shared.receipts, maxInterval: config.altinn.maxPollSeconds,
                logger: Logger(label: "dropbridge.altinn.status"))
        }
    }
}
