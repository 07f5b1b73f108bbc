import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// Keeps the ledger's size bounded by time, not by history: finished drops filed more than
/// `ledger.keepDays` ago are deleted in the background, at start and then hourly, in small
/// transactions so that claims and answers never wait long behind it.
package struct LedgerPruner: Service {
    let ledger: Ledger
    let keepDays: Int
    let io: BlockingIO
    let logger: Logger
    var interval: Duration = .seconds(3600)
    var batch = 1000

    package init(ledger: Ledger, keepDays: Int, io: BlockingIO, logger: Logger) {
        self.ledger = ledger
        self.keepDays = keepDays
        self.io = io
        self.logger = logger
    }

    /// Drops filed before this moment are old enough to go.
    static func cutoff(now: Double, keepDays: Int) -> Double { now - Double(keepDays) * 86_400 }

    package func run() async throws {
        let shutdown = ShutdownSignal()
        await withTaskCancellationOrGracefulShutdownHandler {
            repeat {
                await pruneOnce(now: Timestamp.now(), shutdown: shutdown)
            } while await shutdown.sleep(for: interval)
        } onCancelOrGracefulShutdown: {
            shutdown.trigger()
        }
    }

    /// Prunes until nothing old is left (or shutdown); returns how many rows went.
    @discardableResult
    func pruneOnce(now: Double, shutdown: ShutdownSignal = ShutdownSignal()) async -> Int {
        let cutoff = Self.cutoff(now: now, keepDays: keepDays)
        var total = 0
        while !shutdown.isTriggered {
            let pruned: Int
            do {
                pruned = try await io.run { [ledger, batch] in try ledger.pruneFinishedDrops(filedBefore: cutoff, limit: batch) }
            } catch {
                // A full disk or a busy ledger: the rows stay until the next round; nothing is lost.
                logger.warning("ledger pruning failed; trying again later", metadata: ["error": "\(error)"])
                break
            }
            total += pruned
            if pruned < batch { break }
            await Task.yield()
        }
        if total > 0 { logger.info("pruned \(total) finished drop(s) older than \(keepDays) days from the ledger") }
        return total
    }
}
