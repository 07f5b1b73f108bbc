import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import Synchronization

/// Drains the ledger's notification queue: the thin async shell around `QueueSchedule`. A few
/// notifications are handled at once in a task group (so shutdown waits for them); each failed
/// one is put off with its own backoff, permanent trouble is quarantined. It sleeps until the
/// reader wakes it (a commit), an item finishes, the nearest `nextAttemptAt` comes, or at most
/// `lookAgain`: that one cheap read notices items `dropbridge retry --message` put back from
/// another process (a signal or socket for it would be more machinery than a read every few
/// seconds is worth).
final class NotificationWorker: Sendable {
    static let limit = 8
    /// How long a notification about a message we do not know waits for our own sends in flight
    /// before it is filed as unmatched.
    static let patienceForOwnSends: Double = 30
    static let lookAgain: Duration = .seconds(3)

    private let ledger: Ledger
    private let handler: NotificationHandler
    private let shutdown: ShutdownSignal
    private let backoff: RetryPolicy
    private let logger: Logger
    private let wakeups = Wakeups()
    /// Offsets whose handling ended since the loop last looked.
    private let finished = Mutex<[Int64]>([])

    init(ledger: Ledger, handler: NotificationHandler, shutdown: ShutdownSignal, backoff: RetryPolicy, logger: Logger) {
        self.ledger = ledger
        self.handler = handler
        self.shutdown = shutdown
        self.backoff = backoff
        self.logger = logger
    }

    /// New work in the queue, or shutdown.
    func wake() { wakeups.signal() }

    /// Until shutdown; then waits for the handlings in flight (they finish their calls so their
    /// effects are recorded rather than repeated at the next start).
    func run() async {
        // Done items are history; a week of it is plenty to read in a support case.
        _ = try? await ledger.pruneFinishedNotifications(before: Timestamp.now() - 7 * 86_400)
        await withDiscardingTaskGroup { group in
            var schedule = QueueSchedule(limit: Self.limit)
            while !shutdown.isTriggered, !Task.isCancelled {
                for offset in finished.withLock({ list in defer { list = [] }; return list }) { schedule.finished(offset) }
                let now = Timestamp.now()
                let pending: [QueuedNotification]
                do {
                    pending = try ledger.pendingNotifications()
                } catch {
                    logger.error("the notification queue cannot be read: \(error)")
                    _ = await wakeups.wait(timeout: .seconds(1))
                    continue
                }
                let byOffset = Dictionary(pending.map { ($0.offset, $0) }, uniquingKeysWith: { first, _ in first })
                let plan = schedule.plan(pending: pending.map(QueueSchedule.Item.init), now: now)
                for item in plan.start {
                    guard let queued = byOffset[item.offset] else { continue }
                    group.addTask {
                        await self.attempt(queued)
                        self.finished.withLock { $0.append(item.offset) }
                        self.wakeups.signal()
                    }
                }
                var wait = Self.lookAgain
                if let wakeAt = plan.wakeAt { wait = min(wait, .milliseconds(Int64(max(0, wakeAt - now) * 1000) + 1)) }
                if shutdown.isTriggered { break }
                _ = await wakeups.wait(timeout: wait)
            }
        }
    }

    /// One attempt at one notification, and its outcome recorded.
    private func attempt(_ queued: QueuedNotification) async {
        let notification = NHNNotification(queued)
        let patient = Timestamp.now() < queued.queuedAt + Self.patienceForOwnSends
        let outcome: QueueOutcome
        do {
            try await handler.handle(notification, waitForOwnSends: patient)
            outcome = .done
        } catch let trouble as InboundTrouble {
            outcome = trouble.retrySoon ? .waitForOwnSend(reason: trouble.description)
                : trouble.permanent ? .permanent(reason: trouble.description) : .failed(reason: trouble.description)
        } catch let conflict as InboxConflict {
            outcome = .permanent(reason: conflict.description)
        } catch {
            outcome = .failed(reason: "\(error)")
        }
        do {
            try await record(outcome, of: queued)
        } catch {
            // The item stays pending as it was: not at once again (the disk may be full).
            logger.error("the outcome of notification \(queued.offset) could not be recorded: \(error)")
            _ = await shutdown.sleep(for: .seconds(1))
        }
    }

    private func record(_ outcome: QueueOutcome, of queued: QueuedNotification) async throws {
        let now = Timestamp.now()
        let metadata: Logger.Metadata = ["offset": "\(queued.offset)", "type": "\(queued.type)", "messageId": "\(queued.relatedMessageId ?? "-")"]
        switch outcome {
        case .done:
            try await ledger.finishNotification(offset: queued.offset, now: now)
        case .waitForOwnSend(let reason):
            logger.debug("notification put off: \(reason)", metadata: metadata)
            try await ledger.postponeNotification(
                offset: queued.offset, failed: false, nextAttemptAt: now + (outcome.retryDelay(attempts: queued.attempts, backoff: backoff) ?? 0.2),
                lastError: queued.lastError, now: now)
        case .failed(let reason):
            let wait = outcome.retryDelay(attempts: queued.attempts, backoff: backoff) ?? 1
            logger.warning("notification not handled yet, retrying in \(RetryPolicy.describe(wait)): \(reason)", metadata: metadata)
            try await ledger.postponeNotification(offset: queued.offset, failed: true, nextAttemptAt: now + wait, lastError: reason, now: now)
        case .permanent(let reason):
            let problem = InboundProblem(
                key: queued.operatorKey, messageId: queued.relatedMessageId, offset: queued.offset, type: queued.type,
                reason: reason, attempts: queued.attempts + 1, quarantinedAt: Timestamp.iso8601(now))
            let receipts = handler.receipts
            // The file first: a crash before the ledger row handles the notification again.
            let file = try await handler.io.run { try receipts.writeProblem(problem) }
            try await ledger.quarantineNotification(offset: queued.offset, reason: reason, now: now)
            logger.error(
                "notification quarantined: \(reason); see receipts/\(file), then `dropbridge retry --message \(queued.operatorKey)`",
                metadata: metadata)
        }
    }
}

extension NHNNotification {
    init(_ queued: QueuedNotification) {
        self.init(
            id: queued.notificationId, relatedMessageId: queued.relatedMessageId, type: queued.type,
            notificationReceiverHerId: queued.notificationReceiverHerId, notificationTriggeredByHerId: queued.notificationTriggeredByHerId,
            description: queued.description, createdAt: queued.createdAt, offset: queued.offset)
    }
}

extension QueuedNotification {
    init(_ notification: NHNNotification, herIds: [Int], now: Double) {
        self.init(
            offset: notification.offset, herIds: Ledger.offsetKey(herIds), notificationId: notification.id, type: notification.type,
            relatedMessageId: notification.relatedMessageId, notificationReceiverHerId: notification.notificationReceiverHerId,
            notificationTriggeredByHerId: notification.notificationTriggeredByHerId, description: notification.description,
            createdAt: notification.createdAt, queuedAt: now)
    }
}
