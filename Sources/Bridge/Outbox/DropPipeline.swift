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
    /// NHN and Altinn: each prepared drop goes to the channel its sidecar names.
    public var channels: DropChannels
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
    /// How long an uncertain drop waits without a wake-up before it reads its row again: the
    /// proof itself wakes it at once (`Ledger.arrivalsProven`); this only catches a change made
    /// by another process.
    public var proofRecheck: Duration = .seconds(5)
    /// Outcomes and possible duplicates, counted (`Monitoring`).
    public var metrics: any BridgeMetrics
    /// `dropbridge pause` / `resume`: no attempt starts while paused.
    public var sending = SendingSwitch()
    /// `dropbridge retry --now`: ends a backoff sleep early.
    public var nudges = DropNudges()

    public init(
        ledger: any DropLedger, preparer: DropPreparer, sender: any MessageSender, files: any DropFileStore,
        io: BlockingIO, retry: RetryPolicy, logger: Logger, gate: ConcurrencyGate, budget: ByteBudget,
        shutdown: ShutdownSignal, registrations: any SenderRegistration, arrivalProof: ArrivalProof,
        altinn: (any DropChannel)? = nil, metrics: any BridgeMetrics = NoMetrics()
    ) {
        self.metrics = metrics
        self.budget = budget
        self.registrations = registrations
        self.arrivalProof = arrivalProof
        self.ledger = ledger
        self.preparer = preparer
        channels = DropChannels(nhn: NHNChannel(sender: sender), altinn: altinn)
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
                if sending.isPaused {
                    logger.info("sending is paused by an operator; the drop waits", metadata: drop.logMetadata)
                    guard await sending.waitWhilePaused(shutdown: shutdown) else { return .interrupted }
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
                    drop = try await recordFailure(unsent, failure, channel: unsent.channel)
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
                guard await nudges.sleep(dropId: drop.id, for: .seconds(delay), shutdown: shutdown) else { return .interrupted }
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

    enum AttemptResult {
        case interrupted
        /// Not sent: the drop is refused before any request.
        case refused(DropRecord, DropFailure)
        /// Not sent: local trouble that passes (EMFILE, ENOSPC, …); try again later.
        case notReady(DropRecord, reason: String)
        /// Not sent: the sender is not registered with NHN yet.
        case unregistered(DropRecord, herId: Int)
        /// The request went out; `drop` is as recorded before it ("sending").
        case sent(DropRecord, DeliveryOutcome)
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
                case .refused(let failure, let channel):
                    var refused = start
                    if let channel { refused.channel = channel }
                    return .refused(refused, failure)
                case .transient(let reason): return .notReady(start, reason: reason)
                }
            }
            if let herId = prepared.ledgerFacts.sender, !registrations.isRegistered(herId) { return .unregistered(start, herId: herId) }
            guard let channel = channels.channel(for: prepared) else {
                return .refused(start, DropFailure(stage: .validation, reason: "channel \"altinn\" is not configured (altinn.enabled: false)"))
            }
            let channelName = prepared.channelName
            // One commit records both the validated facts and "request started".
            let drop = try await record(start) { row in
                let facts = prepared.ledgerFacts
                row.channel = channelName
                row.contentHash = prepared.contentHash
                row.msgId = facts.msgId
                row.messageType = facts.messageType
                row.senderHerId = facts.sender
                row.receiverHerIds = facts.receivers
                row.advance(.sendStarted)
                row.attempts += 1
            }
            logger.info("drop validated, sending", metadata: drop.logMetadata)
            // Issue #8 (14): AppRecs are matched by NHN's ids, but the producer should know.
            if drop.attempts == 1, let msgId = drop.msgId, ((try? ledger.drops(msgId: msgId))?.contains { $0.id != drop.id }) == true {
                logger.warning("this drop reuses the MsgId of an earlier drop (a re-sent document or a copied template)", metadata: drop.logMetadata)
            }
            let outcome = await channel.deliver(prepared, for: drop)
            return .sent(drop, outcome)
        }
    }
}
