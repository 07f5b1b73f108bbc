import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Synchronization

/// Claims decided drops out of the outbox into the `ClaimArea`, recording each claim in the
/// ledger first, and at start-up reconciles the ledger with what the work area holds.
///
/// Order of one scan's claims: ledger rows (reserve the claim ids and unique NAMEs, one
/// transaction) → `ClaimArea.claim` of the batch (one manifest; each drop's document first,
/// sidecar last). A crash before the claim leaves a row without a claim, which
/// recovery forgets (the files are still in the outbox); `ClaimArea.recover` finishes a claim
/// that a crash interrupted half-way.
package final class ClaimDesk: Sendable {
    package enum Outcome: Sendable {
        case claimed(DropRecord)
        /// The files went away before they could be claimed, or could not be moved: they are
        /// left to the next scan.
        case vanished
    }

    private let config: BridgeConfig
    private let ledger: Ledger
    private let area: ClaimArea
    private let durable: DurableFiles
    private let io: BlockingIO
    private let logger: Logger
    private let gate = ConcurrencyGate(limit: 2)
    private let proof: ArrivalProof
    private let troubleLog = Mutex(ClaimTroubleLog())
    private let clock = ContinuousClock()
    private let origin = ContinuousClock.now

    package init(config: BridgeConfig, ledger: Ledger, area: ClaimArea, io: BlockingIO, logger: Logger) {
        self.config = config
        self.ledger = ledger
        self.area = area
        durable = DurableFiles(config: config)
        proof = ArrivalProof(config: config)
        self.io = io
        self.logger = logger
    }

    /// Claims one decided drop (a batch of one).
    package func claim(_ decision: PairingDecision) async -> Outcome {
        await claim([decision]).first ?? .vanished
    }

    /// Claims the decided drops of one scan together, one outcome per decision in order: their
    /// ledger rows reserved in one transaction, then one `ClaimArea` batch claim (one manifest,
    /// one fsync per folder), then the rows of drops whose files went away forgotten, again in
    /// one transaction. At most two batches at a time: their fsyncs overlap, and more only queue.
    package func claim(_ decisions: [PairingDecision]) async -> [Outcome] {
        guard !decisions.isEmpty else { return [] }
        return (try? await gate.withPermit { await self.claimBatch(decisions) }) ?? decisions.map { _ in .vanished }
    }

    private func claimBatch(_ decisions: [PairingDecision]) async -> [Outcome] {
        let checks = NameCheck.contract(config.folders)
        let reservations = decisions.map { decision in
            let name = decision.name
            return Ledger.Reservation(
                originalName: name.safe, files: decision.files.compactMap { $0.kind?.claimedFileName }, channel: "nhn",
                refusal: decision.failure.map(StoredFailure.init)
            ) { usedInLedger in
                try FreeName.pick(for: name.safe, checking: checks, isTaken: usedInLedger)
            }
        }
        let reserved: [Result<DropRecord, any Error>]
        do {
            reserved = try await ledger.reserve(reservations, now: Timestamp.now())
        } catch {
            // A full disk fails every scan this way: logged once, then summed up (`ClaimTroubleLog`).
            logClaimFailure(name: decisions[0].name, error: error)
            return decisions.map { _ in .vanished }
        }
        var requests: [ClaimRequest] = []
        var requestIndex: [Int: Int] = [:]
        var outcomes = [Outcome](repeating: .vanished, count: decisions.count)
        for (index, (decision, result)) in zip(decisions, reserved).enumerated() {
            switch result {
            case .success(let record):
                requestIndex[index] = requests.count
                requests.append(ClaimRequest(name: decision.name, files: decision.files, claimId: record.claimId))
            case .failure(let error):
                logClaimFailure(name: decision.name, error: error)
            }
        }
        let claimed: [Result<ClaimedDrop, any Error>]
        do {
            let sweep = Self.sweepDue(lastSweep)
            claimed = try await io.run { [area, config, requests] in
                if sweep { _ = try? area.removeSpentBatches() }
                return try area.claim(requests, from: config.folders.outbox)
            }
        } catch {
            claimed = requests.map { _ in .failure(error) }
        }
        var forgotten: [Int64] = []
        for (index, decision) in decisions.enumerated() {
            guard let position = requestIndex[index], case .success(let record) = reserved[index] else { continue }
            switch claimed[position] {
            case .success:
                logger.info("drop claimed", metadata: record.logMetadata)
                if case let .logRecovered(failures) = troubleLog.withLock({ $0.succeeded() }) {
                    logger.notice("drops are claimed again, after \(failures) failed claim(s)")
                }
                outcomes[index] = .claimed(record)
            case .failure(let error):
                if let id = record.id { forgotten.append(id) }
                if case DurableFileError.notFound = error {
                    logger.debug("drop vanished before it was claimed", metadata: ["drop": "\(decision.name)"])
                } else {
                    logClaimFailure(name: decision.name, error: error)
                }
            }
        }
        // A row left behind (this write failing, a crash) is forgotten by recovery: it has no claim.
        try? await ledger.forget(ids: forgotten)
        return outcomes
    }

    /// Removes the manifests of batches none of whose drops is still claimed. Called when a
    /// batch's drops (or drops resumed at start) have all ended: the sweep before each claim
    /// alone left an idle work area holding its last batches' manifests until the next drop.
    package func removeSpentBatches() async {
        _ = try? await io.run { [area] in try area.removeSpentBatches() }
    }

    /// Spent batch manifests are removed at most once a second, not on every scan.
    private let lastSweep = Mutex<ContinuousClock.Instant?>(nil)

    private static func sweepDue(_ last: borrowing Mutex<ContinuousClock.Instant?>) -> Bool {
        let now = ContinuousClock.now
        return last.withLock { last in
            if let previous = last, now - previous < .seconds(1) { return false }
            last = now
            return true
        }
    }

    /// One error line when claiming starts failing, then a summary at most once a minute (a
    /// full disk fails every waiting drop at every scan).
    private func logClaimFailure(name: DropName, error: any Error) {
        let seconds = (clock.now - origin) / .seconds(1)
        let metadata: Logger.Metadata = ["drop": "\(name)", "error": "\(error)"]
        switch troubleLog.withLock({ $0.failed(now: seconds) }) {
        case .logFailure:
            logger.error(
                "drop could not be claimed; it stays in the outbox (further failures are summed up once a minute)",
                metadata: metadata)
        case let .logSummary(failures):
            logger.error(
                "\(failures) claim(s) failed in the last minute; the drops stay in the outbox (latest error below)",
                metadata: metadata)
        case .logQuietly, .logRecovered, .nothing:
            logger.debug("drop could not be claimed; it stays in the outbox", metadata: metadata)
        }
    }

    // MARK: Recovery

    /// Reconciles the ledger with the work area after a stop or a crash, and returns every drop
    /// to resume, each exactly once.
    package func recover() async throws -> [DropRecord] {
        try await io.run { [self] in try recoverBlocking() }
    }

    private func recoverBlocking() throws -> [DropRecord] {
        var broken = Set<String>()
        let claims = try area.recover(outbox: config.folders.outbox) { claimId, error in
            broken.insert(claimId)
            logger.critical(
                "a claimed drop cannot be recovered; it is left in the work area for an operator",
                metadata: ["claim": "\(claimId)", "error": "\(error)"])
        }
        let claimIds = Set(claims.map(\.claimId))
        // Temp files a crash left behind (an hour's grace: nothing writes that slowly).
        durable.removeStaleTemps(olderThan: 3600, now: Timestamp.now())
        var resumed: [DropRecord] = []
        var known = Set<String>()
        for var drop in try ledger.unfinished() where !broken.contains(drop.claimId) {
            known.insert(drop.claimId)
            let hasClaim = claimIds.contains(drop.claimId)
            if !hasClaim && drop.releasedAs == nil {
                // Reserved, never claimed (a refusal reserved before its claim, too): the files
                // are still in the outbox. A released claim has `releasedAs`, recorded first.
                try ledger.forget(id: drop.id ?? 0)
                continue
            }
            if drop.state == .sending && proof.canProve(drop) {
                // The kill fell between "POST started" and "answer recorded": NHN may have it,
                // and will tell us if it does. Wait for that before sending again.
                let (proof, now) = (proof, Timestamp.now())
                drop = try ledger.update(id: drop.id ?? 0, now: now) { row in
                    proof.markUncertain(&row, now: now, reason: "interrupted while sending; waiting for NHN to prove the message arrived")
                }
                logger.warning(
                    "drop was being sent when dropbridge stopped; waiting up to \(RetryPolicy.describe(proof.waitSeconds)) for NHN to prove it arrived",
                    metadata: drop.logMetadata)
            } else if drop.state == .sending, drop.channel == "altinn" {
                // Each recipient's upload carries its idempotent key: repeating it cannot duplicate.
                drop = try ledger.update(id: drop.id ?? 0, now: Timestamp.now()) { row in
                    row.advance(.retryLater)
                    row.lastError = "interrupted while sending; sent again with the same idempotent keys"
                }
                logger.warning("Altinn drop was being sent when dropbridge stopped; sending again with the same keys", metadata: drop.logMetadata)
            } else if drop.state == .sending {
                // The kill fell between "POST started" and "answer recorded": NHN may have it.
                drop = try ledger.update(id: drop.id ?? 0, now: Timestamp.now()) { row in
                    row.possibleDuplicates += 1
                    row.advance(.retryLater)
                    row.lastError = "interrupted while sending; the next send may duplicate it"
                }
                logger.warning(
                    "drop was being sent when dropbridge stopped; sending again (possible duplicate)",
                    metadata: drop.logMetadata)
            }
            resumed.append(drop)
        }
        for stray in claims where !known.contains(stray.claimId) && !broken.contains(stray.claimId) {
            // A claim the ledger does not know (its row was filed, or the ledger was replaced):
            // give the files back to the outbox rather than lose them or send them blindly.
            do {
                try area.returnToOutbox(stray.claimId, outbox: config.folders.outbox)
                logger.warning("returned a claim unknown to the ledger to the outbox", metadata: ["drop": "\(stray.name)"])
            } catch {
                logger.error("a claim unknown to the ledger could not be returned", metadata: ["drop": "\(stray.name)", "error": "\(error)"])
            }
        }
        if !resumed.isEmpty { logger.notice("resuming \(resumed.count) drop(s) from before the restart") }
        return resumed
    }
}
