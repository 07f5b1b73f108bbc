import AltinnClient
import AsyncHTTPClient
import Auth
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import ServiceLifecycle
import UnixSignals
import XMLCheck

/// Everything `dropbridge run` (and `demo`) needs, built from one configuration.
/// Start-up checks happen here, before any service starts, so a bad set-up fails at once
/// with a clear message instead of half-running.
package struct BridgeRuntime: Sendable {
    package let config: BridgeConfig
    package let ledger: Ledger
    package let outbox: OutboxService
    package let receive: ReceiveService
    package let registrations: Registrations
    /// Documents in memory, outbound and inbound together (`memory.inFlightBytes`).
    package let memoryBudget: ByteBudget
    package let httpClient: HTTPClient
    package let progress: OutboxProgress
    package let pruner: LedgerPruner
    /// Follows accepted Altinn correspondences; nil with `altinn.enabled: false`.
    package let altinnPoller: AltinnStatusPoller?
    private let lock: InstanceLock

    package enum StartupError: Error, CustomStringConvertible {
        case folders(String)
        case schemas(String)
        case ledger(String)
        case locked(String)

        package var description: String {
            switch self {
            case .locked(let message): message
            case .folders(let message): "folders: \(message)"
            case .schemas(let message): "schemas: \(message)"
            case .ledger(let message): "ledger: \(message)"
            }
        }
    }

    /// `metrics` hears of outcomes, requests, notifications and inbox writes as they happen.
    /// `diskSpace` pauses receiving on a nearly full disk (default: `alerts.minFreeBytes` on the inbox's disk).
    package init(
        config: BridgeConfig, credentials: Credentials, logger: Logger, metrics: any BridgeMetrics = NoMetrics(),
        diskSpace: DiskSpaceGuard? = nil
    ) throws {
        self.config = config
        do {
            try FolderLayout.prepare(config)
        } catch {
            throw StartupError.folders("\(error)")
        }
        do {
            lock = try InstanceLock(path: config.stateDirectory + "/lock")
        } catch {
            throw StartupError.locked("\(error)")
        }
        let schemaSet: SchemaSet?
        do {
            schemaSet = try SchemaSet.compile(directory: config.schemas.directory)
        } catch {
            if config.schemas.require {
                throw StartupError.schemas("\(config.schemas.directory): \(error) (set schemas.require: false to check well-formedness only)")
            }
            logger.warning("no schema set: checking well-formedness only", metadata: ["reason": "\(error)"])
            schemaSet = nil
        }
        do {
            ledger = try Ledger(path: config.stateDirectory + "/ledger.sqlite")
        } catch {
            throw StartupError.ledger("\(config.stateDirectory)/ledger.sqlite: \(error)")
        }
        if credentials.helseID == nil {
            logger.warning("helseid.enabled is false: requests are sent without authentication (only for a loopback simulator)")
        }

        // Refused connections reported at once (not retried inside the client), no redirects.
        var httpConfiguration = NHNClient.recommendedHTTPClientConfiguration()
        httpConfiguration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 32)
        httpClient = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfiguration)

        let io = BlockingIO.started(threads: 64)
        let endpoint = NHNEndpoint(
            baseURL: config.nhn.baseURL, sourceSystem: config.nhn.sourceSystem,
            applicationName: config.nhn.applicationName, applicationVersion: config.nhn.applicationVersion,
            requestTimeout: .seconds(config.nhn.requestTimeoutSeconds))
        let client = NHNClient(
            endpoint: endpoint, httpClient: httpClient,
            authorizer: credentials.nhnAuthorizer(httpClient: httpClient, timeout: config.nhn.requestTimeoutSeconds),
            logger: Logger(label: "dropbridge.nhn"), metrics: metrics)
        let store = FolderDropFileStore(config: config, io: io)
        memoryBudget = ByteBudget(capacity: config.memory.inFlightBytes)
        registrations = Registrations(
            // With nhn.enabled false nothing is sent or received: nothing to register.
            herIds: config.nhn.enabled ? config.nhn.herIds + (config.nhn.senderHerId.map { [$0] } ?? []) : [],
            registrar: client, ledger: ledger,
            retry: RetryPolicy(initialSeconds: 1, maxSeconds: min(30, config.nhn.maxBackoffSeconds)),
            logger: Logger(label: "dropbridge.registration"),
            // A refusal (403/423/401) waits for an operator: tried again every minute at first,
            // then less often, up to hourly.
            refusalRetry: RetryPolicy(initialSeconds: min(60, config.nhn.maxBackoffSeconds), maxSeconds: 3600))
        let durable = DurableFiles(config: config)
        let receipts = ReceiptWriter(receipts: config.folders.receipts, durable: durable)
        var altinnChannel: AltinnChannel?
        if config.altinn.enabled, let maskinporten = credentials.maskinporten {
            var client = AltinnClient(
                baseURL: config.altinn.baseURL, httpClient: httpClient,
                authorizer: AltinnAuthorizer(
                    settings: maskinporten.settings, key: maskinporten.key, httpClient: httpClient,
                    logger: Logger(label: "dropbridge.maskinporten")),
                requestTimeout: .seconds(config.nhn.requestTimeoutSeconds), logger: Logger(label: "dropbridge.altinn"))
            client.metrics = metrics
            altinnChannel = AltinnChannel(
                client: client, ledger: ledger, logger: Logger(label: "dropbridge.altinn"),
                parallelUploads: config.altinn.parallelUploads, budget: memoryBudget)
            altinnPoller = AltinnStatusPoller(
                client: client, ledger: ledger, receipts: receipts, maxInterval: config.altinn.maxPollSeconds,
                logger: Logger(label: "dropbridge.altinn.status"))
        } else {
            altinnPoller = nil
        }
        let validator = XMLValidator(schemas: schemaSet, requireSchema: config.schemas.require && schemaSet != nil, maxBytes: config.outbox.maxBytes)
        let pipeline = DropPipeline(
            ledger: ledger, preparer: DropPreparer(files: store, validator: validator, config: config, io: io),
            sender: client, files: store, io: io,
            retry: RetryPolicy(initialSeconds: 1, maxSeconds: config.nhn.maxBackoffSeconds),
            logger: logger, gate: ConcurrencyGate(limit: 32), budget: memoryBudget, shutdown: ShutdownSignal(),
            registrations: registrations,
            arrivalProof: ArrivalProof(config: config), altinn: altinnChannel, metrics: metrics)
        let claims = ClaimDesk(config: config, ledger: ledger, area: store.area, io: io, logger: logger)
        var handler = NotificationHandler(
            transport: client, ledger: ledger,
            inbox: InboxWriter(inbox: config.folders.inbox, durable: durable),
            receipts: receipts,
            validator: validator, io: io, logger: Logger(label: "dropbridge.receive"), autoAppRec: config.nhn.autoAppRec,
            budget: memoryBudget)
        handler.metrics = metrics
        receive = ReceiveService(
            herIds: config.nhn.herIds, mode: config.nhn.receive, pollInterval: .seconds(config.nhn.pollSeconds),
            transport: client, handler: handler, ledger: ledger, logger: Logger(label: "dropbridge.receive"),
            maxBackoffSeconds: config.nhn.maxBackoffSeconds, streamIdle: .milliseconds(Int64(config.nhn.streamIdleSeconds * 1000)),
            registrations: registrations, metrics: metrics,
            diskSpace: diskSpace ?? DiskSpaceGuard(path: config.folders.inbox, minFreeBytes: config.alerts.minFreeBytes))
        progress = OutboxProgress()
        pruner = LedgerPruner(ledger: ledger, keepDays: config.ledger.keepDays, io: io, logger: Logger(label: "dropbridge.ledger"))
        outbox = OutboxService(
            config: config, ledger: ledger, claims: claims, pipeline: pipeline, io: io, logger: logger, progress: progress)
    }

    /// Runs until SIGTERM/SIGINT, then shuts down gracefully. `companions` run beside the
    /// bridge (the demo's simulator and timer); when one of them returns, everything stops.
    package func run(
        logger: Logger, companions: [any Service] = [], signals: [UnixSignal] = [.sigterm, .sigint]
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: registrations),
            .init(service: outbox),
            .init(service: OperatorDesk(ledger: ledger, outbox: outbox, logger: Logger(label: "dropbridge.operator"))),
            // Receiving ends by itself when it is off: that must not stop the bridge.
            .init(service: receive, successTerminationBehavior: .ignore),
            .init(service: pruner),
        ]
        let notifier: SystemdNotifier
        do {
            notifier = try SystemdNotifier()
        } catch {
            logger.warning("\(error); systemd is not notified")
            notifier = try SystemdNotifier(environment: [:])
        }
        services.append(.init(
            service: SystemdService(
                notifier: notifier, watchdog: SystemdNotifier.watchdogInterval(), ledger: ledger,
                logger: Logger(label: "dropbridge.systemd")),
            successTerminationBehavior: .ignore))
        if let altinnPoller { services.append(.init(service: altinnPoller)) }
        for companion in companions {
            services.append(.init(service: companion, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(
                services: services,
                gracefulShutdownSignals: signals,
                cancellationSignals: [],
                logger: logger))
        do {
            try await group.run()
        } catch {
            try? await httpClient.shutdown()
            throw error
        }
        try await httpClient.shutdown()
    }
}
