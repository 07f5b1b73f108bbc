import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient

/// Waiting without holding anything: for NHN's proof that an uncertain send arrived, and for
/// the sender's registration.
extension DropPipeline {
    /// An uncertain drop waits (holding nothing) until the inbound side proves it arrived (the
    /// ledger then shows it `accepted`) or its deadline passes; then it is sent again, counted as
    /// a possible duplicate. Nil on shutdown: it stays `uncertain` with its deadline.
    func awaitProof(_ start: DropRecord) async throws -> DropRecord? {
        guard let id = start.id else { throw LedgerError.missingDrop(0) }
        let deadline = start.nextAttemptAt ?? 0
        if arrivalProof.canProve(start) {
            while true {
                // Read before the check: a proof recorded between the check and the wait wakes it.
                let seen = ledger.arrivalsProven.generation
                guard let current = try ledger.drop(id: id) else { throw LedgerError.missingDrop(id) }
                if current.state != .uncertain {
                    if current.state == .accepted { logger.info("NHN proved the drop arrived", metadata: current.logMetadata) }
                    return current
                }
                let left = deadline - Timestamp.now()
                if left <= 0 { break }
                // Woken by the proof; the deadline (and a re-check now and then, for a change
                // made by another process) bounds the wait.
                let wait = min(proofRecheck, .milliseconds(Int64(left * 1000) + 1))
                guard await shutdown.sleep(for: wait, orUntil: ledger.arrivalsProven, changesAfter: seen) else { return nil }
            }
        }
        let waited = arrivalProof.waitSeconds
        let resend = try await persist(start, "the re-send") { row in
            // Proved at the last moment: the proof wins.
            guard row.advance(.proofTimedOut) else { return }
            row.possibleDuplicates += 1
            row.nextAttemptAt = nil
            row.lastError = "NHN gave no proof of arrival within \(RetryPolicy.describe(waited)); sent again (possible duplicate)"
        }
        if resend.state == .validated {
            logger.warning("no proof that the drop arrived; sending again (possible duplicate)", metadata: resend.logMetadata)
            metrics.possibleDuplicate()
        }
        return resend
    }

    /// Waits (holding nothing) until `herId` may send. Nil when it may; otherwise how the drop
    /// ends: interrupted by shutdown, or held when NHN refused our credentials. While NHN refuses
    /// the registration itself (403, 423, …) the drop waits, saying why in the ledger, and goes on
    /// by itself once the registration, retried in the background, is accepted: the fix is an
    /// operator's at HelseID or NHN, and needs neither a restart nor `release`.
    func awaitRegistration(of herId: Int, for drop: inout DropRecord) async throws -> Ending? {
        logger.info("drop waits for its sender's registration with NHN", metadata: drop.logMetadata.merging(["herId": "\(herId)"]) { $1 })
        var outcome = await registrations.waitUntilRegistered(herId, shutdown: shutdown)
        while true {
            switch outcome {
            case .registered:
                if drop.lastError?.hasPrefix(Self.registrationWaitPrefix) == true {
                    drop = try await record(drop) { row in row.lastError = nil }
                    logger.notice("NHN accepted the sender's registration; the drop goes on", metadata: drop.logMetadata)
                }
                return nil
            case .stopped:
                return .interrupted
            case .refused(.refused(let status, let problem, let reason)) where !registrations.isConfigured(herId):
                // A sender we are not configured for (e.g. a MsgHead naming another HER-id):
                // the producer's mistake, refused with NHN's answer.
                let failure = DropFailure(
                    stage: .sending, reason: "NHN refused to register the sender (PUT /mshconfigurations): \(reason)",
                    httpStatus: status, problem: problem)
                drop = try await recordFailure(drop, failure)
                return try await file(drop)
            case .refused(let failure) where !registrations.isConfigured(herId) || failure.isUnauthorized:
                // Refused credentials (401), or a sender we are not configured for held (423):
                // waiting would not help, an operator must act.
                let reason = "NHN refused to register the sender (PUT /mshconfigurations): \(failure.reason)"
                drop = try await persist(drop, "the hold") { row in
                    row.advance(.held)
                    row.lastError = reason
                }
                logger.critical("drop held for an operator: \(reason)", metadata: drop.logMetadata)
                countHeld(drop)
                return .held
            case .refused(let failure):
                let reason = "\(Self.registrationWaitPrefix) \(herId): NHN refused PUT /mshconfigurations (\(failure.reason)); it is tried again in the background and the drop goes on by itself once NHN accepts"
                if drop.lastError != reason {
                    drop = try await record(drop) { row in
                        row.lastError = reason
                        row.nextAttemptAt = nil
                        // Known before validation was recorded: `status` counts the waiting drops by it.
                        row.senderHerId = herId
                    }
                    logger.error("drop waits for its sender's registration, which NHN refuses: \(failure.reason)", metadata: drop.logMetadata)
                }
                outcome = await registrations.waitForNextAnswer(herId, shutdown: shutdown)
            }
        }
    }

    /// How a drop's `lastError` begins while it waits for a refused registration.
    static let registrationWaitPrefix = "waiting for NHN to accept the registration of the sender HER-id"
}

extension CallFailure {
    var isUnauthorized: Bool {
        if case .unauthorized = self { return true }
        return false
    }
}
