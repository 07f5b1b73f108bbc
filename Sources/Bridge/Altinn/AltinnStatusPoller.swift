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
/// Between polls it sleeps until the soonest one is due, or until the ledger says a
/// correspondence was accepted (`Ledger.altinnPollsOpened`): with nothing to follow it does
/// not wake at all (but for a rare look, `idleRecheck`, in case of a change made elsewhere).
package final class AltinnStatusPoller: Service {
    private let client: any CorrespondenceSender
    private let ledger: Ledger
    private let receipts: ReceiptWriter
    private let tracker: AltinnStatusTracker
    private let logger: Logger
    /// How soon a due correspondence whose drop is not filed yet is looked at again (its
    /// receipt goes beside the filed drop; filing follows acceptance within moments).
    private let filingRecheck: Duration
    /// The longest sleep: a safety net only, every change this process makes wakes it.
    private let idleRecheck: Duration

    package init(
        client: any CorrespondenceSender, ledger: Ledger, receipts: ReceiptWriter, maxInterval: Double = 300,
        filingRecheck: Duration = .milliseconds(500), idleRecheck: Duration = .seconds(60), logger: Logger
    ) {
        self.client = client
        self.ledger = ledger
        self.receipts = receipts
        tracker = AltinnStatusTracker(maxInterval: maxInterval)
        self.filingRecheck = filingRecheck
        self.idleRecheck = idleRecheck
        self.logger = logger
    }

    package func run() async throws {
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
            // Read before the ledger is: an acceptance committed after this is never slept through.
            let seen = ledger.altinnPollsOpened.generation
            var wait = idleRecheck
            do {
                let now = Timestamp.now()
                for row in try ledger.openAltinnPolls() {
                    if stop.isTriggered { return }
                    let due = row.nextPollAt ?? 0
                    guard due <= now else {
                        // Soonest first: the rest are due later still.
                        wait = min(wait, Self.duration(seconds: due - now))
                        break
                    }
                    // Receipts go beside the filed drop, under the name it was filed as.
                    guard let drop = try ledger.drop(id: row.dropId) else { continue }
                    guard drop.filedAt != nil else {
                        wait = min(wait, filingRecheck)
                        continue
                    }
                    let polled = try await poll(row, name: drop.releasedAs ?? drop.name, warnedStuck: &warnedStuck)
                    if polled.isFollowed {
                        // Never sooner than `filingRecheck`: a row the poll could not move must not spin.
                        let next = Self.duration(seconds: (polled.nextPollAt ?? 0) - Timestamp.now())
                        wait = min(wait, max(next, filingRecheck))
                    }
                }
            } catch {
                logger.error("Altinn status polling could not use the ledger: \(error)")
                wait = min(wait, .seconds(5))
            }
            guard await stop.sleep(for: wait, orUntil: ledger.altinnPollsOpened, changesAfter: seen) else { return }
        }
    }

    /// A wait of `seconds` (at least a millisecond, so a due row never spins the loop).
    static func duration(seconds: Double) -> Duration {
        .milliseconds(Int64(max(0.001, seconds) * 1000))
    }

    /// Polls one correspondence; returns its row as now stored.
    private func poll(_ start: AltinnSendRecord, name: String, warnedStuck: inout Set<String>) async throws -> AltinnSendRecord {
        guard let id = start.correspondenceId else { return start }
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
        return row
    }
}

extension ReceiptWriter {
    /// `receipts/NAME.status.json` for an Altinn drop, replaced atomically.
    package func writeAltinnStatus(_ status: AltinnStatusReceipt) throws {
        let bytes = try ContractJSON.encode(status)
        try durable.replace(bytes, in: receipts, named: status.name + ".status.json")
    }
}
