import AltinnClient
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// Follows every accepted Altinn correspondence with the light overview
/// `GET …/correspondence/{id}` (never `/details` routinely) until it reaches a final state,
/// rewriting `receipts/NAME.status.json` on every change. What is still open lives in the
/// ledger, so polling resumes after a restart; each correspondence backs off while nothing happens.
public final class AltinnStatusPoller: Service {
    private let client: any CorrespondenceSender
    private let ledger: Ledger
    private let receipts: ReceiptWriter
    private let tracker: AltinnStatusTracker
    private let logger: Logger
    /// How often the ledger is looked at for newly accepted correspondences.
    private let scanInterval: Duration

    public init(
        client: any CorrespondenceSender, ledger: Ledger, receipts: ReceiptWriter, maxInterval: Double = 300,
        scanInterval: Duration = .milliseconds(500), logger: Logger
    ) {
        self.client = client
        self.ledger = ledger
        self.receipts = receipts
        tracker = AltinnStatusTracker(maxInterval: maxInterval)
        self.scanInterval = scanInterval
        self.logger = logger
    }

    public func run() async throws {
        let stop = ShutdownSignal()
        await withGracefulShutdownHandler {
            await withTaskCancellationHandler {
                await loop(stop)
            } onCancel: {
                stop.trigger()
            }
        } onGracefulShutdown: {
            stop.trigger()
        }
    }

    private func loop(_ stop: ShutdownSignal) async {
        var warnedStuck = Set<String>()
        while !stop.isTriggered {
            do {
                let now = Timestamp.now()
                for row in try ledger.openAltinnPolls() where (row.nextPollAt ?? 0) <= now {
                    if stop.isTriggered { return }
                    // Receipts go beside the filed drop, under the name it was filed as.
                    guard let drop = try ledger.drop(id: row.dropId), drop.filedAt != nil else { continue }
                    try await poll(row, name: drop.releasedAs ?? drop.name, warnedStuck: &warnedStuck)
                }
            } catch {
                logger.error("Altinn status polling could not use the ledger: \(error)")
            }
            guard await stop.sleep(for: scanInterval) else { return }
        }
    }

    private func poll(_ start: AltinnSendRecord, name: String, warnedStuck: inout Set<String>) async throws {
        guard let id = start.correspondenceId else { return }
        var row = start
        let metadata: Logger.Metadata = ["drop": "\(name)", "recipient": "\(row.recipient)", "correspondenceId": "\(id)"]
        let now = Timestamp.now()
        let changed: Bool
        switch await client.overview(correspondenceId: id) {
        case .success(let overview):
            var moved = tracker.apply(overview, to: &row, now: now)
            if AltinnStatusTracker.needsHistory(overview, row),
                case .success(let history?) = await client.statusHistory(correspondenceId: id)
            {
                moved = tracker.applyHistory(history, to: &row) || moved
            }
            changed = moved
        case .failure(let failure):
            tracker.failed(&row, now: now)
            changed = false
            logger.warning("Altinn status not read now: \(failure.reason)", metadata: metadata)
        }
        let updated = row
        row = try await ledger.updateAltinnSend(dropId: row.dropId, recipientIndex: row.recipientIndex, now: now) { stored in
            // Only the poller's fields: the send's own facts stay as recorded.
            stored.altinnStatus = updated.altinnStatus
            stored.statusText = updated.statusText
            stored.publishedAt = updated.publishedAt
            stored.readAt = updated.readAt
            stored.confirmedAt = updated.confirmedAt
            stored.failedAt = updated.failedAt
            stored.events = updated.events
            stored.pollDone = updated.pollDone
            stored.nextPollAt = updated.nextPollAt
            stored.pollFailures = updated.pollFailures
        }
        let stuck = AltinnStatusTracker.isStuck(row, now: now)
        if stuck, !warnedStuck.contains("\(row.dropId)/\(row.recipientIndex)") {
            warnedStuck.insert("\(row.dropId)/\(row.recipientIndex)")
            logger.warning("Altinn correspondence still Initialized after \(Int(AltinnStatusTracker.stuckAfterSeconds / 60)) minutes (malware scan?)", metadata: metadata)
        }
        if changed || stuck {
            let rows = try ledger.altinnSends(dropId: row.dropId)
            try receipts.writeAltinnStatus(AltinnStatusReceipt(name: name, rows: rows, now: now))
            logger.info("Altinn status: \(AltinnStatusTracker.receiptStatus(row))", metadata: metadata)
        }
    }
}

extension ReceiptWriter {
    /// `receipts/NAME.status.json` for an Altinn drop, replaced atomically.
    public func writeAltinnStatus(_ status: AltinnStatusReceipt) throws {
        let bytes = Array(try Self.encoder.encode(status)) + [0x0A]
        try durable.replace(bytes, in: receipts, named: status.name + ".status.json")
    }
}
