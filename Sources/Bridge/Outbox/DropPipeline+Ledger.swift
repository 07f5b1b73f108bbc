import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient

/// Ledger writes of the pipeline: plain, and persistent for answers already known.
extension DropPipeline {
    func record(_ drop: DropRecord, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws -> DropRecord {
        guard let id = drop.id else { throw LedgerError.missingDrop(0) }
        return try await ledger.updateDrop(id: id, now: Timestamp.now(), change)
    }

    /// `record` for an answer already known: when the ledger cannot be written (disk full, I/O
    /// error) the answer is kept and the write tried again with backoff until it succeeds, so the
    /// drop is never left `sending` to be sent again. Gives up only at shutdown (after one last
    /// try); the drop is then `sending` and the next start counts it as a possible duplicate.
    func persist(
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
