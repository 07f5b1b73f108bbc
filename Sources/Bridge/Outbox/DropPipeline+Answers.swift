import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient

/// Recording what NHN answered (or what refused the drop before any request).
extension DropPipeline {
    enum RecordedAnswer {
        /// Accepted or refused, and recorded: the files are to be written.
        case answered(DropRecord)
        case held
        /// Transient trouble, with the server's Retry-After if it gave one.
        case retry(DropRecord, retryAfter: Double?)
        /// The message may have arrived; NHN can prove it (see `ArrivalProof`).
        case uncertain(DropRecord)
    }

    /// Records what the channel answered. The answer is known, so a ledger that fails now (disk
    /// full) is waited for: sending again would be the worse outcome (`persist`).
    func recordAnswer(_ outcome: DeliveryOutcome, for sending: DropRecord) async throws -> RecordedAnswer {
        switch outcome {
        case .accepted(let messageId):
            let now = Timestamp.now()
            let drop = try await persist(sending, "the acceptance") { row in
                row.advance(.accepted)
                row.messageId = messageId
                row.acceptedAt = now
                row.lastError = nil
            }
            logger.info("drop accepted", metadata: drop.logMetadata)
            return .answered(drop)
        case .unregistered(let reason):
            // Not the drop's fault: NHN lost (or never had) the sender's registration.
            if let herId = sending.senderHerId { await registrations.registrationLost(herId) }
            let drop = try await persist(sending, "the refusal for want of registration") { row in
                row.advance(.retryLater)
                row.lastError = "the sender has no MSH configuration at NHN yet; registering again: \(reason)"
            }
            return .retry(drop, retryAfter: nil)
        case .refused(let failure):
            return .answered(try await recordFailure(sending, failure))
        case .partlyRefused(let failure, let firstMessageId):
            let now = Timestamp.now()
            let drop = try await persist(sending, "the partial refusal") { row in
                row.advance(.refused)
                row.failure = StoredFailure(failure)
                row.messageId = firstMessageId
                row.acceptedAt = now
            }
            logger.notice("drop partly refused: \(failure.reason)", metadata: drop.logMetadata)
            return .answered(drop)
        case .held(let reason):
            let drop = try await persist(sending, "the hold") { row in
                row.advance(.held)
                row.lastError = reason
            }
            logger.critical("drop held for an operator: \(reason)", metadata: drop.logMetadata)
            countHeld(drop)
            return .held
        case .retry(let reason, _, true) where arrivalProof.canProve(sending):
            let (proof, now) = (arrivalProof, Timestamp.now())
            let drop = try await persist(sending, "the uncertain attempt") { row in
                proof.markUncertain(&row, now: now, reason: "the answer was lost (\(reason)); waiting for NHN to prove the message arrived")
            }
            logger.warning(
                "drop may have reached NHN; waiting up to \(RetryPolicy.describe(proof.waitSeconds)) for proof before sending again",
                metadata: drop.logMetadata)
            return .uncertain(drop)
        case .retry(let reason, let retryAfter, let mayHaveArrived):
            let drop = try await persist(sending, "the failed attempt") { row in
                row.advance(.retryLater)
                row.lastError = reason
                // The message may have reached NHN: the next send may duplicate it.
                if mayHaveArrived { row.possibleDuplicates += 1 }
            }
            if mayHaveArrived { metrics.possibleDuplicate() }
            return .retry(drop, retryAfter: retryAfter)
        }
    }

    /// `channel`: set when the refusal came before the drop was recorded as sending (the claim
    /// records every drop as NHN's until its sidecar has been read).
    func recordFailure(_ drop: DropRecord, _ failure: DropFailure, channel: String? = nil) async throws -> DropRecord {
        let failed = try await persist(drop, "the refusal") { row in
            row.advance(.refused)
            row.failure = StoredFailure(failure)
            if let channel { row.channel = channel }
        }
        logger.notice(
            "drop refused at \(failure.stage.rawValue): \(failure.reason)", metadata: failed.logMetadata)
        return failed
    }
}
