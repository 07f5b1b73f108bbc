import DropbridgeCore
import Logging

extension BridgeRuntime {
    /// Inbound: NHN's notifications (stream or poll) → the ledger's queue → downloaded into
    /// the inbox, statuses and AppRecs into receipts. Paused on a nearly full disk.
    static func inbound(config: BridgeConfig, shared: SharedParts, nhn: NHNParts, diskSpace: DiskSpaceGuard?) -> ReceiveService {
        var handler = NotificationHandler(
            transport: nhn.client, ledger: shared.ledger,
            inbox: InboxWriter(inbox: config.folders.inbox, durable: shared.durable),
            receipts: shared.receipts,
            validator: shared.validator, io: shared.io, logger: Logger(label: "dropbridge.receive"), autoAppRec: config.nhn.autoAppRec,
            budget: shared.memoryBudget)
        handler.metrics = shared.metrics
        return ReceiveService(
            herIds: config.nhn.herIds, mode: config.nhn.receive, pollInterval: .seconds(config.nhn.pollSeconds),
            transport: nhn.client, handler: handler, ledger: shared.ledger, logger: Logger(label: "dropbridge.receive"),
            maxBackoffSeconds: config.nhn.maxBackoffSeconds, streamIdle: .milliseconds(Int64(config.nhn.streamIdleSeconds * 1000)),
            registrations: nhn.registrations, metrics: shared.metrics,
            diskSpace: diskSpace ?? DiskSpaceGuard(path: config.folders.inbox, minFreeBytes: config.alerts.minFreeBytes))
    }
}
