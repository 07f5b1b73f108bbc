import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Synchronization

/// Claims decided drops out of the outbox into the `ClaimArea`, recording each claim in the
/// ledger first, and at start-up reconciles the ledger with what the work area holds.
///
/// Order of one claim: ledger row (reserves the claim id and a unique NAME) → `ClaimArea.claim`
/// (document first, sidecar last). A crash before the claim leaves a row without a claim, which
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
    private let gate = ConcurrencyGate(limit: 64)
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

    /// Claims one decided drop, at most `parallelClaims` at a time: renames and fsyncs of
    /// different drops overlap well, up to a point.
    package func claim(_ decision: PairingDecision) async -> Outcome {
        (try? await gate.withPermit { await self.claimOne(decision) }) ?? .vanished
    }

    private func claimOne(_ decision: PairingDecision) async -> Outcome {
        let name = decision.name
        let claimedFiles = decision.files.compactMap { $0.kind?.claimedFileName }
        let checks = NameCheck.contract(config.folders)
        var reserved: DropRecord?
        do {
            let record = try await ledger.reserve(
                originalName: name.safe, files: claimedFiles, channel: "nhn", now: Timestamp.now(),
                refusal: decision.failure.map(StoredFailure.init)
            ) { usedInLedger in
                try FreeName.pick(for: name.safe, checking: checks, isTaken: usedInLedger)
            }
            reserved = record
            _ = try await io.run { [area, config] in
                try area.claim(name: name, files: decision.files, from: config.folders.outbox, claimId: record.claimId)
            }
            logger.info("drop claimed", metadata: record.logMetadata)
            if case let .logRecovered(failures) = troubleLog.withLock({ $0.succeeded() }) {
                logger.notice("drops are claimed again, after \(failures) failed claim(s)")
            }
            return .claimed(record)
        } catch {
            if let reserved {
                try? await io.run { [ledger] in try ledger.forget(id: reserved.id ?? 0) }
            }
            if case DurableFileError.notFound = error {
                logger.debug("drop vanished before it was claimed", metadata: ["drop": "\(name)"])
            } else {
                logClaimFailure(name: name, error: error)
            }
            return .vanished
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
