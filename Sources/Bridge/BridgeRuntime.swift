import AsyncHTTPClient
import DropbridgeCore
import Ledger
import Logging
import ServiceLifecycle
import UnixSignals

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

    /// `metrics` hears of outcomes, requests, notifications and inbox writes as they happen.
    /// `diskSpace` pauses receiving on a nearly full disk (default: `alerts.minFreeBytes` on the inbox's disk).
    /// Assembled part by part, each in a `BridgeRuntime+….swift` of its own: the start-up
    /// checks and what the parts share (+Startup), NHN, Altinn, the outbound side, the inbound
    /// side; `run` lists the services.
    package init(
        config: BridgeConfig, credentials: Credentials, logger: Logger, metrics: any BridgeMetrics = NoMetrics(),
        diskSpace: DiskSpaceGuard? = nil
    ) throws {
        self.config = config
        let checked = try StartupChecks(config: config, logger: logger)
        lock = checked.lock
        ledger = checked.ledger
        if credentials.helseID == nil {
            logger.warning("helseid.enabled is false: requests are sent without authentication (only for a loopback simulator)")
        }
        httpClient = Self.makeHTTPClient()
        let shared = SharedParts(config: config, ledger: ledger, schemaSet: checked.schemaSet, metrics: metrics)
        memoryBudget = shared.memoryBudget
        let nhn = NHNParts(config: config, credentials: credentials, httpClient: httpClient, shared: shared)
        registrations = nhn.registrations
        let altinn = AltinnParts(config: config, credentials: credentials, httpClient: httpClient, shared: shared)
        altinnPoller = altinn?.poller
        progress = OutboxProgress()
        outbox = Self.outbound(config: config, shared: shared, nhn: nhn, altinn: altinn, progress: progress, logger: logger)
        receive = Self.inbound(config: config, shared: shared, nhn: nhn, diskSpace: diskSpace)
        pruner = LedgerPruner(ledger: ledger, keepDays: config.ledger.keepDays, io: shared.io, logger: Logger(label: "dropbridge.ledger"))
    }

    /// Runs until SIGTERM/SIGINT, then shuts down gracefully. `companions` run beside the
    /// bridge (the demo's simulator and timer); when one of them returns, everything stops.
    package func run(
        logger: Logger, companions: [any Service] = [], signals: [UnixSignal] = [.sigterm, .sigint]
    ) async throws {
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [
            .init(service: registrations),
            .init(service: WaitsForItsTurn(inner: outbox)),
            .init(service: OperatorDesk(ledger: ledger, outbox: outbox, logger: Logger(label: "dropbridge.operator"), bell: config.state.requestBell)),
            // Receiving ends by itself when it is off: that must not stop the bridge.
            .init(service: WaitsForItsTurn(inner: receive), successTerminationBehavior: .ignore),
            .init(service: pruner),
        ]
        services.append(.init(service: try systemdService(logger: logger), successTerminationBehavior: .ignore))
        if let altinnPoller { services.append(.init(service: altinnPoller)) }
        for companion in companions {
            services.append(.init(service: companion, successTerminationBehavior: .gracefullyShutdownGroup))
        }
        // Last, so it hears of the stop first and tells the outbox and receiving at once.
        let outbox = self.outbox, receive = self.receive
        let stops: [@Sendable () -> Void] = [{ outbox.stopClaiming() }, { receive.stop() }]
        services.append(.init(service: StopTogether(stops: stops), successTerminationBehavior: .ignore))
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

    /// Ready, status and watchdog notifications to systemd (none when not started by it).
    private func systemdService(logger: Logger) throws -> SystemdService {
        let notifier: SystemdNotifier
        do {
            notifier = try SystemdNotifier()
        } catch {
            logger.warning("\(error); systemd is not notified")
            notifier = try SystemdNotifier(environment: [:])
        }
        return SystemdService(
            notifier: notifier, watchdog: SystemdNotifier.watchdogInterval(), ledger: ledger,
            logger: Logger(label: "dropbridge.systemd"))
    }
}
