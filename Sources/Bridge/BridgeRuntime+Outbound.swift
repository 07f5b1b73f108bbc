import DropbridgeCore
import Logging

extension BridgeRuntime {
    /// Outbound: claimed drops → prepared (read, validated, resolved) → sent by their channel
    /// (NHN, or Altinn when the sidecar asks for it) → filed with their receipts.
    static func outbound(
        config: BridgeConfig, shared: SharedParts, nhn: NHNParts, altinn: AltinnParts?, progress: OutboxProgress, logger: Logger
    ) -> OutboxService {
        let pipeline = DropPipeline(
            ledger: shared.ledger,
            preparer: DropPreparer(files: shared.store, validator: shared.validator, config: config, io: shared.io),
            sender: nhn.client, files: shared.store, io: shared.io,
            retry: RetryPolicy(initialSeconds: 1, maxSeconds: config.nhn.maxBackoffSeconds),
            logger: logger, gate: ConcurrencyGate(limit: 32), budget: shared.memoryBudget, shutdown: ShutdownSignal(),
            registrations: nhn.registrations,
            arrivalProof: ArrivalProof(config: config), altinn: altinn?.channel, metrics: shared.metrics)
        let claims = ClaimDesk(config: config, ledger: shared.ledger, area: shared.store.area, io: shared.io, logger: logger)
        return OutboxService(
            config: config, ledger: shared.ledger, claims: claims, pipeline: pipeline, io: shared.io, logger: logger, progress: progress)
    }
}
