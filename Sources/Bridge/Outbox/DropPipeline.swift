import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient

/// Takes one claimed drop through its states to an answer: prepare → record → send → record →
/// file. The ledger is written before each external effect and after each confirmation.
public struct DropPipeline: Sendable {
    public var ledger: Ledger
    public var preparer: DropPreparer
    public var sender: any MessageSender
    public var files: any DropFileStore
    public var io: BlockingIO
    public var retry: RetryPolicy
    public var logger: Logger
    /// Bounds the attempts in flight: documents in memory and `POST /messages` at once.
    public var gate: ConcurrencyGate
    public var shutdown: ShutdownSignal

    public enum Ending: Sendable, Hashable {
        case sent
        case failed
        case held
        /// Shutdown came before an answer; the drop stays claimed for the next start.
        case interrupted
    }

    /// Runs until the drop is sent, failed or held. Transient trouble is retried here with
    /// backoff for as long as it lasts; shutdown leaves the drop claimed for the next start.
    public func run(_ start: DropRecord) async -> Ending {
        var drop = start
        do {
            if drop.state.isFinal {
                return try await file(drop)
            }
            var failures = 0
            while true {
                let attempt = try await attemptOnce(drop)
                drop = attempt.drop
                switch attempt.result {
                case .ended(let ending):
                    return ending
                case .answered:
                    // Filed outside the permit: moving files needs no document in memory.
                    return try await file(drop)
                case .retry(let retryAfter):
                    failures += 1
                    let delay = retry.delay(afterFailures: failures, retryAfter: retryAfter)
                    drop = try await record(drop) { row in row.nextAttemptAt = Timestamp.now() + delay }
                    logger.warning(
                        "drop not sent yet, retrying in \(RetryPolicy.describe(delay)): \(drop.lastError ?? "")",
                        metadata: drop.logMetadata)
                    // Nothing of the document is held while waiting: the next attempt reads it again.
                    guard await shutdown.sleep(for: .seconds(delay)) else { return .interrupted }
                }
            }
        } catch is CancellationError {
            return .interrupted
        } catch {
            // The disk or the ledger failed (e.g. disk full): keep the drop claimed; the outbox
            // service tries it again later. Nothing is lost: the files stay in the work area.
            logger.error("drop could not be recorded; it stays claimed", metadata: drop.logMetadata.merging(["error": "\(error)"]) { $1 })
            return .interrupted
        }
    }

    private enum AttemptResult {
        case ended(Ending)
        /// Accepted or refused, and recorded: the files are to be written.
        case answered
        /// Transient trouble, with the server's Retry-After if it gave one.
        case retry(retryAfter: Double?)
    }

    /// One attempt under a permit of the gate: read and check the drop, record "sending", POST,
    /// record the answer. The permit bounds both the sends in flight and the documents in memory.
    private func attemptOnce(_ start: DropRecord) async throws -> (drop: DropRecord, result: AttemptResult) {
        try await gate.withPermit { [self] in
            // Checked under the permit: a drop that waited for one during shutdown must not start.
            if shutdown.isTriggered { return (start, .ended(.interrupted)) }
            let prepared: PreparedDrop
            do {
                prepared = try await preparer.prepare(start)
            } catch {
                return (try await recordFailure(start, error), .answered)
            }
            // One commit records both the validated facts and "POST started".
            var drop = try await record(start) { row in
                let facts = prepared.ledgerFacts
                row.contentHash = prepared.contentHash
                row.msgId = facts.msgId
                row.messageType = facts.messageType
                row.senderHerId = facts.sender
                row.receiverHerIds = facts.receivers
                row.state = .sending
                row.attempts += 1
            }
            logger.info("drop validated, sending", metadata: drop.logMetadata)
            // Issue #8 (14): AppRecs are matched by NHN's ids, but the producer should know.
            if drop.attempts == 1, let msgId = drop.msgId, ((try? ledger.drops(msgId: msgId))?.contains { $0.id != drop.id }) == true {
                logger.warning("this drop reuses the MsgId of an earlier drop (a re-sent document or a copied template)", metadata: drop.logMetadata)
            }
            let outcome: SendOutcome
            switch prepared.payload {
            case .message(let message, let document):
                outcome = await sender.send(
                    OutgoingMessage(
                        senderHerId: message.senderHerId, receiverHerIds: message.receiverHerIds, document: document,
                        messageTypeIdentificator: message.messageTypeIdentificator, transportMetadataOverrides: message.overrides))
            case .appRec(let answer):
                outcome = await sender.sendAppRec(originalId: answer.messageId, AppRecRequest(answer))
            }
            switch outcome {
            case .accepted(let messageId):
                let now = Timestamp.now()
                drop = try await record(drop) { row in
                    row.state = .accepted
                    row.messageId = messageId
                    row.acceptedAt = now
                    row.lastError = nil
                }
                logger.info("drop accepted", metadata: drop.logMetadata)
                return (drop, .answered)
            case .refused(let status, let problem, let reason):
                let failure = DropFailure(stage: .sending, reason: reason, httpStatus: status, problem: problem)
                return (try await recordFailure(drop, failure), .answered)
            case .locked(_, let reason), .unauthorized(_, let reason):
                drop = try await record(drop) { row in
                    row.state = .held
                    row.lastError = reason
                }
                logger.critical("drop held for an operator: \(reason)", metadata: drop.logMetadata)
                return (drop, .ended(.held))
            case .transient(let reason, let retryAfter, let mayHaveArrived):
                drop = try await record(drop) { row in
                    row.state = .validated
                    row.lastError = reason
                    // The message may have reached NHN: the next send may duplicate it.
                    if mayHaveArrived { row.possibleDuplicates += 1 }
                }
                return (drop, .retry(retryAfter: retryAfter.map(\.seconds)))
            }
        }
    }

    private func recordFailure(_ drop: DropRecord, _ error: any Error) async throws -> DropRecord {
        let failure = (error as? DropFailure) ?? DropFailure(stage: .reading, reason: "the drop could not be read: \(error)")
        let failed = try await record(drop) { row in
            row.state = .failed
            row.failure = StoredFailure(failure)
        }
        logger.notice(
            "drop refused at \(failure.stage.rawValue): \(failure.reason)", metadata: failed.logMetadata)
        return failed
    }

    /// Writes the output files for an answered drop and marks it filed.
    private func file(_ drop: DropRecord) async throws -> Ending {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if drop.state == .accepted && drop.isAppRecAnswer {
            let receipt = AppRecSentReceipt(
                name: drop.name, messageId: drop.msgId ?? "", appRecId: drop.messageId ?? "",
                senderHerId: drop.senderHerId ?? 0, acceptedAt: Timestamp.iso8601(drop.acceptedAt ?? drop.updatedAt),
                droppedAs: drop.renamedFrom)
            try await files.fileAsSent(drop, receipt: Array(try encoder.encode(receipt)) + [0x0A], receiptSuffix: ".apprec-sent.json")
        } else if drop.state == .accepted {
            let receipt = SentReceipt(
                name: drop.name, channel: drop.channel, messageId: drop.messageId ?? "",
                acceptedAt: Timestamp.iso8601(drop.acceptedAt ?? drop.updatedAt),
                senderHerId: drop.senderHerId ?? 0, receiverHerIds: drop.receiverHerIds ?? [], msgId: drop.msgId,
                droppedAs: drop.renamedFrom)
            try await files.fileAsSent(drop, receipt: Array(try encoder.encode(receipt)) + [0x0A], receiptSuffix: ".sent.json")
        } else {
            let failure = drop.failure?.dropFailure ?? DropFailure(stage: .reading, reason: "unknown")
            let report = ErrorReport(
                name: drop.name, failure: failure, failedAt: Timestamp.iso8601(drop.updatedAt),
                droppedAs: drop.renamedFrom, msgId: drop.msgId)
            try await files.fileAsFailed(drop, report: Array(try encoder.encode(report)) + [0x0A])
        }
        let now = Timestamp.now()
        let filed = try await record(drop) { row in row.filedAt = now }
        logger.info(drop.state == .accepted ? "drop filed in sent/" : "drop filed in failed/", metadata: filed.logMetadata)
        return drop.state == .accepted ? .sent : .failed
    }

    private func record(_ drop: DropRecord, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws -> DropRecord {
        guard let id = drop.id else { throw LedgerError.missingDrop(0) }
        return try await ledger.update(id: id, now: Timestamp.now(), change)
    }
}

extension DropRecord {
    /// The name as dropped, when the drop had to take another (`NAME~2`).
    var renamedFrom: String? { name == originalName ? nil : originalName }

    /// What a log line may say about a drop: never document contents or patient data.
    public var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["drop": "\(name)", "state": "\(state.rawValue)"]
        if let msgId { metadata["msgId"] = "\(msgId)" }
        if let messageId { metadata["messageId"] = "\(messageId)" }
        if attempts > 0 { metadata["attempts"] = "\(attempts)" }
        return metadata
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
