import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient

/// Takes one claimed drop through its states to an answer: prepare → record → send → record →
/// file. The ledger is written before each external effect and after each confirmation; an
/// answer NHN gave is kept until the ledger takes it (a failed write never re-sends it).
public struct DropPipeline: Sendable {
    public var ledger: any DropLedger
    public var preparer: DropPreparer
    public var sender: any MessageSender
    public var files: any DropFileStore
    public var io: BlockingIO
    public var retry: RetryPolicy
    public var logger: Logger
    /// Bounds the `POST /messages` in flight (and so the connections to NHN).
    public var gate: ConcurrencyGate
    /// Bounds the bytes of documents in memory, shared with the inbound side
    /// (`memory.inFlightBytes`): each attempt reserves its estimated peak first.
    public var budget: ByteBudget
    public var shutdown: ShutdownSignal
    /// A drop is sent only once its sender is registered with NHN (`PUT /mshconfigurations`).
    public var registrations: any SenderRegistration
    /// When a send may have arrived: wait for NHN's proof, or send again at once.
    public var arrivalProof: ArrivalProof
    /// How often an uncertain drop looks at the ledger for the inbound side's proof.
    public var proofPollInterval: Duration = .milliseconds(200)

    public init(
        ledger: any DropLedger, preparer: DropPreparer, sender: any MessageSender, files: any DropFileStore,
        io: BlockingIO, retry: RetryPolicy, logger: Logger, gate: ConcurrencyGate, budget: ByteBudget,
        shutdown: ShutdownSignal, registrations: any SenderRegistration, arrivalProof: ArrivalProof
    ) {
        self.budget = budget
        self.registrations = registrations
        self.arrivalProof = arrivalProof
        self.ledger = ledger
        self.preparer = preparer
        self.sender = sender
        self.files = files
        self.io = io
        self.retry = retry
        self.logger = logger
        self.gate = gate
        self.shutdown = shutdown
    }

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
            var failures = 0
            while true {
                if drop.state.isFinal { return try await file(drop) }
                if drop.state == .uncertain {
                    guard let decided = try await awaitProof(drop) else { return .interrupted }
                    drop = decided
                    continue
                }
                if let herId = drop.senderHerId, !registrations.isRegistered(herId) {
                    if let ending = try await awaitRegistration(of: herId, for: &drop) { return ending }
                    continue
                }
                let retryAfter: Double?
                switch try await attemptOnce(drop) {
                case .interrupted:
                    return .interrupted
                case .unregistered(let unsent, let herId):
                    drop = unsent
                    if let ending = try await awaitRegistration(of: herId, for: &drop) { return ending }
                    continue
                case .refused(let unsent, let failure):
                    drop = try await recordFailure(unsent, failure)
                    continue
                case .notReady(let unsent, let reason):
                    drop = unsent
                    drop.lastError = reason
                    retryAfter = nil
                case .sent(let sending, let outcome):
                    switch try await recordAnswer(outcome, for: sending) {
                    case .answered(let answered):
                        drop = answered
                        continue
                    case .held:
                        return .held
                    case .retry(let retrying, let after):
                        drop = retrying
                        retryAfter = after
                    case .uncertain(let uncertain):
                        drop = uncertain
                        continue
                    }
                }
                failures += 1
                let delay = retry.delay(afterFailures: failures, retryAfter: retryAfter)
                let reason = drop.lastError
                drop = try await record(drop) { row in
                    row.nextAttemptAt = Timestamp.now() + delay
                    row.lastError = reason
                }
                logger.warning(
                    "drop not sent yet, retrying in \(RetryPolicy.describe(delay)): \(drop.lastError ?? "")",
                    metadata: drop.logMetadata)
                // Nothing of the document is held while waiting: the next attempt reads it again.
                guard await shutdown.sleep(for: .seconds(delay)) else { return .interrupted }
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
        case interrupted
        /// Not sent: the drop is refused before any request.
        case refused(DropRecord, DropFailure)
        /// Not sent: local trouble that passes (EMFILE, ENOSPC, …); try again later.
        case notReady(DropRecord, reason: String)
        /// Not sent: the sender is not registered with NHN yet.
        case unregistered(DropRecord, herId: Int)
        /// The request went out; `drop` is as recorded before it ("sending").
        case sent(DropRecord, SendOutcome)
    }

    /// One attempt with its memory reserved and under a permit of the gate: read and check the
    /// drop, record "sending", POST. The bytes are reserved before the permit is taken, so a
    /// large document waiting for room holds no permit; the answer is recorded after both are
    /// given back.
    private func attemptOnce(_ start: DropRecord) async throws -> AttemptResult {
        let bytes = await memoryEstimate(start)
        return try await budget.withReservation(bytes: bytes) {
            try await attemptWithPermit(start)
        }
    }

    private func memoryEstimate(_ drop: DropRecord) async -> Int {
        let maxBytes = preparer.config.outbox.maxBytes
        guard let file = drop.isAppRecAnswer ? DropFileKind.appRec.claimedFileName : drop.documentFile,
            let size = await files.size(claimId: drop.claimId, file: file)
        else {
            // Unknown: the read refuses or retries it; reserve for the largest document meanwhile.
            return AttemptMemory.estimate(fileBytes: maxBytes, inflatedBytes: nil, maxBytes: maxBytes)
        }
        return AttemptMemory.estimate(fileBytes: size.bytes, inflatedBytes: size.inflatedBytes, maxBytes: maxBytes)
    }

    private func attemptWithPermit(_ start: DropRecord) async throws -> AttemptResult {
        try await gate.withPermit { [self] in
            // Checked under the permit: a drop that waited for one during shutdown must not start.
            if shutdown.isTriggered { return .interrupted }
            let prepared: PreparedDrop
            do throws(PreparationError) {
                prepared = try await preparer.prepare(start)
            } catch {
                switch error {
                case .refused(let failure): return .refused(start, failure)
                case .transient(let reason): return .notReady(start, reason: reason)
                }
            }
            let herId = prepared.ledgerFacts.sender
            if !registrations.isRegistered(herId) { return .unregistered(start, herId: herId) }
            // One commit records both the validated facts and "POST started".
            let drop = try await record(start) { row in
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
            return .sent(drop, outcome)
        }
    }

    private enum RecordedAnswer {
        /// Accepted or refused, and recorded: the files are to be written.
        case answered(DropRecord)
        case held
        /// Transient trouble, with the server's Retry-After if it gave one.
        case retry(DropRecord, retryAfter: Double?)
        /// The message may have arrived; NHN can prove it (see `ArrivalProof`).
        case uncertain(DropRecord)
    }

    /// Records what NHN answered. The answer is known, so a ledger that fails now (disk full)
    /// is waited for: sending again would be the worse outcome (`persist`).
    private func recordAnswer(_ outcome: SendOutcome, for sending: DropRecord) async throws -> RecordedAnswer {
        switch outcome {
        case .accepted(let messageId):
            let now = Timestamp.now()
            let drop = try await persist(sending, "NHN's acceptance") { row in
                row.state = .accepted
                row.messageId = messageId
                row.acceptedAt = now
                row.lastError = nil
            }
            logger.info("drop accepted", metadata: drop.logMetadata)
            return .answered(drop)
        case .refused(let status, let problem, let reason)
        where MissingConfiguration.isRefusal(httpStatus: status, problem: problem):
            // Not the drop's fault: NHN lost (or never had) the sender's registration.
            if let herId = sending.senderHerId { await registrations.registrationLost(herId) }
            let drop = try await persist(sending, "the refusal for want of registration") { row in
                row.state = .validated
                row.lastError = "the sender has no MSH configuration at NHN yet; registering again: \(reason)"
            }
            return .retry(drop, retryAfter: nil)
        case .refused(let status, let problem, let reason):
            let failure = DropFailure(stage: .sending, reason: reason, httpStatus: status, problem: problem)
            return .answered(try await recordFailure(sending, failure))
        case .locked(_, let reason), .unauthorized(_, let reason):
            let drop = try await persist(sending, "the hold") { row in
                row.state = .held
                row.lastError = reason
            }
            logger.critical("drop held for an operator: \(reason)", metadata: drop.logMetadata)
            return .held
        case .transient(let reason, _, true) where arrivalProof.canProve(sending):
            let (proof, now) = (arrivalProof, Timestamp.now())
            let drop = try await persist(sending, "the uncertain attempt") { row in
                proof.markUncertain(&row, now: now, reason: "the answer was lost (\(reason)); waiting for NHN to prove the message arrived")
            }
            logger.warning(
                "drop may have reached NHN; waiting up to \(RetryPolicy.describe(proof.waitSeconds)) for proof before sending again",
                metadata: drop.logMetadata)
            return .uncertain(drop)
        case .transient(let reason, let retryAfter, let mayHaveArrived):
            let drop = try await persist(sending, "the failed attempt") { row in
                row.state = .validated
                row.lastError = reason
                // The message may have reached NHN: the next send may duplicate it.
                if mayHaveArrived { row.possibleDuplicates += 1 }
            }
            return .retry(drop, retryAfter: retryAfter.map(\.seconds))
        }
    }

    /// An uncertain drop waits (holding nothing) until the inbound side proves it arrived (the
    /// ledger then shows it `accepted`) or its deadline passes; then it is sent again, counted as
    /// a possible duplicate. Nil on shutdown: it stays `uncertain` with its deadline.
    private func awaitProof(_ start: DropRecord) async throws -> DropRecord? {
        guard let id = start.id else { throw LedgerError.missingDrop(0) }
        let deadline = start.nextAttemptAt ?? 0
        if arrivalProof.canProve(start) {
            while true {
                guard let current = try ledger.drop(id: id) else { throw LedgerError.missingDrop(id) }
                if current.state != .uncertain {
                    if current.state == .accepted { logger.info("NHN proved the drop arrived", metadata: current.logMetadata) }
                    return current
                }
                let left = deadline - Timestamp.now()
                if left <= 0 { break }
                guard await shutdown.sleep(for: min(proofPollInterval, .milliseconds(Int64(left * 1000) + 1))) else { return nil }
            }
        }
        let waited = arrivalProof.waitSeconds
        let resend = try await persist(start, "the re-send") { row in
            // Proved at the last moment: the proof wins.
            guard row.state == .uncertain else { return }
            row.state = .validated
            row.possibleDuplicates += 1
            row.nextAttemptAt = nil
            row.lastError = "NHN gave no proof of arrival within \(RetryPolicy.describe(waited)); sent again (possible duplicate)"
        }
        if resend.state == .validated {
            logger.warning("no proof that the drop arrived; sending again (possible duplicate)", metadata: resend.logMetadata)
        }
        return resend
    }

    /// Waits (holding nothing) until `herId` may send. Nil when it may; otherwise how the drop
    /// ends: interrupted by shutdown, or refused or held as NHN's refusal to register says.
    private func awaitRegistration(of herId: Int, for drop: inout DropRecord) async throws -> Ending? {
        logger.info("drop waits for its sender's registration with NHN", metadata: drop.logMetadata.merging(["herId": "\(herId)"]) { $1 })
        switch await registrations.waitUntilRegistered(herId, shutdown: shutdown) {
        case .registered:
            return nil
        case .stopped:
            return .interrupted
        case .refused(.refused(let status, let problem, let reason)):
            let failure = DropFailure(
                stage: .sending, reason: "NHN refused to register the sender (PUT /mshconfigurations): \(reason)",
                httpStatus: status, problem: problem)
            drop = try await recordFailure(drop, failure)
            return try await file(drop)
        case .refused(let failure):
            let reason = "NHN refused to register the sender (PUT /mshconfigurations): \(failure.reason)"
            drop = try await persist(drop, "the hold") { row in
                row.state = .held
                row.lastError = reason
            }
            logger.critical("drop held for an operator: \(reason)", metadata: drop.logMetadata)
            return .held
        }
    }

    private func recordFailure(_ drop: DropRecord, _ failure: DropFailure) async throws -> DropRecord {
        let failed = try await persist(drop, "the refusal") { row in
            row.state = .failed
            row.failure = StoredFailure(failure)
        }
        logger.notice(
            "drop refused at \(failure.stage.rawValue): \(failure.reason)", metadata: failed.logMetadata)
        return failed
    }

    /// Writes the output files for an answered drop and marks it filed. The final name (NAME,
    /// or NAME~n when taken in the folder) is recorded before any file moves, so a crash after
    /// the move still files the receipt or error report under it.
    private func file(_ start: DropRecord) async throws -> Ending {
        var drop = start
        let accepted = drop.state == .accepted
        let name = try await files.releaseName(for: drop, to: accepted ? .sent : .failed)
        if drop.releasedAs != name {
            drop = try await record(drop) { row in row.releasedAs = name }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if accepted && drop.isAppRecAnswer {
            let receipt = AppRecSentReceipt(
                name: drop.name, messageId: drop.msgId ?? "", appRecId: drop.messageId ?? "",
                senderHerId: drop.senderHerId ?? 0, acceptedAt: Timestamp.iso8601(drop.acceptedAt ?? drop.updatedAt),
                droppedAs: drop.renamedFrom)
            try await files.fileAsSent(
                drop, as: name, receipt: Array(try encoder.encode(receipt)) + [0x0A], receiptSuffix: ".apprec-sent.json")
        } else if accepted {
            let receipt = SentReceipt(
                name: drop.name, channel: drop.channel, messageId: drop.messageId ?? "",
                acceptedAt: Timestamp.iso8601(drop.acceptedAt ?? drop.updatedAt),
                senderHerId: drop.senderHerId ?? 0, receiverHerIds: drop.receiverHerIds ?? [], msgId: drop.msgId,
                droppedAs: drop.renamedFrom)
            try await files.fileAsSent(drop, as: name, receipt: Array(try encoder.encode(receipt)) + [0x0A], receiptSuffix: ".sent.json")
        } else {
            let failure = drop.failure?.dropFailure ?? DropFailure(stage: .reading, reason: "unknown")
            let report = ErrorReport(
                name: drop.name, failure: failure, failedAt: Timestamp.iso8601(drop.updatedAt),
                droppedAs: drop.renamedFrom, msgId: drop.msgId)
            try await files.fileAsFailed(drop, as: name, report: Array(try encoder.encode(report)) + [0x0A])
        }
        let now = Timestamp.now()
        let filed = try await record(drop) { row in row.filedAt = now }
        logger.info(accepted ? "drop filed in sent/" : "drop filed in failed/", metadata: filed.logMetadata)
        return accepted ? .sent : .failed
    }

    private func record(_ drop: DropRecord, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws -> DropRecord {
        guard let id = drop.id else { throw LedgerError.missingDrop(0) }
        return try await ledger.updateDrop(id: id, now: Timestamp.now(), change)
    }

    /// `record` for an answer already known: when the ledger cannot be written (disk full, I/O
    /// error) the answer is kept and the write tried again with backoff until it succeeds, so the
    /// drop is never left `sending` to be sent again. Gives up only at shutdown (after one last
    /// try); the drop is then `sending` and the next start counts it as a possible duplicate.
    private func persist(
        _ drop: DropRecord, _ what: String, _ change: @escaping @Sendable (inout DropRecord) -> Void
    ) async throws -> DropRecord {
        var failures = 0
        while true {
            do {
                return try await record(drop, change)
            } catch is CancellationError {
                throw CancellationError()
            } catch {
                failures += 1
                let delay = retry.delay(afterFailures: failures, retryAfter: nil)
                if failures == 1 || failures.isMultiple(of: 10) {
                    logger.error(
                        "\(what) could not be recorded; keeping it and trying the ledger again in \(RetryPolicy.describe(delay)) (nothing is sent again)",
                        metadata: drop.logMetadata.merging(["error": "\(error)"]) { $1 })
                }
                guard await shutdown.sleep(for: .seconds(delay)) else { return try await record(drop, change) }
            }
        }
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
