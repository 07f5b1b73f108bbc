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
/// seconds is worth). Between those full reads it keeps the pending items in memory, updated
/// by each attempt's outcome, and reads only what the reader added (a burst of 2,000 would
/// otherwise read the whole backlog once per item).
final class NotificationWorker: Sendable {
    /// Handlings at once. Each spends most of its time waiting (three calls to NHN, fsyncs, ledger
    /// commits), so more at once keep the cores busy and let fsyncs and commits be shared; memory
    /// is bounded by bytes, not by this count: each handling reserves its download in
    /// `memory.inFlightBytes` before fetching (`NotificationHandler.downloadEstimate`).
    static let limit = 32
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
    /// Items whose handling ended since the loop last looked: the item as it is now pending,
    /// or nil when it is not pending any more.
    private let finished = Mutex<[Finished]>([])

    private struct Finished: Sendable {
        var offset: Int64
        var pending: QueuedNotification?
    }
    /// The reader committed new items.
    private let newWork = Mutex(false)

    /// While it says the disk is nearly full, no notification is handled (nothing fetched,
    /// written or marked downloaded); handling resumes when there is room.
    private let diskSpace: DiskSpaceGuard?

    init(
        ledger: Ledger, handler: NotificationHandler, shutdown: ShutdownSignal, backoff: RetryPolicy, logger: Logger,
        diskSpace: DiskSpaceGuard? = nil
    ) {
        self.diskSpace = diskSpace
        self.ledger = ledger
        self.handler = handler
        self.shutdown = shutdown
        self.backoff = backoff
        self.logger = logger
    }

    /// New work in the queue, or shutdown.
    func wake() {
        newWork.withLock { $0 = true }
        wakeups.signal()
    }

    /// Until shutdown; then waits for the handlings in flight (they finish their calls so their
    /// effects are recorded rather than repeated at the next start).
    func run() async {
        // Done items are history; a week of it is plenty to read in a support case.
        _ = try? await ledger.pruneFinishedNotifications(before: Timestamp.now() - 7 * 86_400)
        await withDiscardingTaskGroup { group in
            var schedule = QueueSchedule(limit: Self.limit)
            var known: [Int64: QueuedNotification] = [:]
            var newest: Int64 = 0
            var lastFullRead: ContinuousClock.Instant?
            var paused = false
            while !shutdown.isTriggered, !Task.isCancelled {
                let ended: [Finished] = finished.withLock { list in
                    defer { list = [] }
                    return list
                }
                for item in ended {
                    schedule.finished(item.offset)
                    known[item.offset] = item.pending
                }
                let added: Bool = newWork.withLock { flag in
                    defer { flag = false }
                    return flag
                }
                do {
                    // Read on the blocking pool, as every ledger read: SQLite may wait for the disk.
                    let ledger = self.ledger
                    if isDue(lastFullRead) {
                        lastFullRead = ContinuousClock.now
                        known = [:]
                        for item in try await handler.io.run({ try ledger.pendingNotifications() }) { known[item.offset] = item }
                    } else if added {
                        let after = newest
                        for item in try await handler.io.run({ try ledger.pendingNotifications(after: after) }) { known[item.offset] = item }
                    }
                } catch {
                    logger.error("the notification queue cannot be read: \(error)")
                    _ = await wakeups.wait(timeout: .seconds(1))
                    continue
                }
                newest = max(newest, known.keys.max() ?? 0)
                if let shortage = diskSpace?.shortage() {
                    if !paused { logger.error("receiving paused: \(shortage); messages wait at NHN until there is room") }
                    paused = true
                    _ = await wakeups.wait(timeout: .seconds(1))
                    continue
                } else if paused {
                    paused = false
                    logger.notice("receiving resumed: there is room on the disk again")
                }
                let now = Timestamp.now()
                let plan = schedule.plan(pending: known.values.map(QueueSchedule.Item.init), now: now)
                for item in plan.start {
                    guard let queued = known[item.offset] else { continue }
                    let offset = item.offset
                    group.addTask {
                        let pending = await self.attempt(queued)
                        self.finished.withLock { $0.append(Finished(offset: offset, pending: pending)) }
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

    /// Whether the full read of the queue is due.
    private func isDue(_ lastFullRead: ContinuousClock.Instant?) -> Bool {
        guard let lastFullRead else { return true }
        return ContinuousClock.now - lastFullRead >= Self.lookAgain
    }

    /// One attempt at one notification, and its outcome recorded. Returns the item as it is
    /// pending now, or nil when it is done or quarantined.
    private func attempt(_ queued: QueuedNotification) async -> QueuedNotification? {
        let notification = NHNNotification(queued)
        let patient = Timestamp.now() < queued.queuedAt + Self.patienceForOwnSends
        let outcome: QueueOutcome
        do {
            try await handler.handle(notification, waitForOwnSends: patient)
            outcome = .done
        } catch is HandlingInterrupted {
            // Shutdown: left pending as it is, for the next start.
            return queued
        } catch let trouble as InboundTrouble {
            outcome = trouble.retrySoon ? .waitForOwnSend(reason: trouble.description)
                : trouble.permanent ? .permanent(reason: trouble.description)
                : .failed(reason: trouble.description, retryAfter: trouble.retryAfter)
        } catch let conflict as InboxConflict {
            outcome = .permanent(reason: conflict.description)
        } catch {
            outcome = .failed(reason: "\(error)")
        }
        do {
            return try await record(outcome, of: queued)
        } catch {
            // The item stays pending as it was in the ledger: not at once again (the disk may be full).
            logger.error("the outcome of notification \(queued.offset) could not be recorded: \(error)")
            var later = queued
            later.nextAttemptAt = Timestamp.now() + 1
            return later
        }
    }

    private func record(_ outcome: QueueOutcome, of queued: QueuedNotification) async throws -> QueuedNotification? {
        let now = Timestamp.now()
        var postponed = queued
        let metadata: Logger.Metadata = ["offset": "\(queued.offset)", "type": "\(queued.type)", "messageId": "\(queued.relatedMessageId ?? "-")"]
        switch outcome {
        case .done:
            try await ledger.finishNotification(offset: queued.offset, now: now)
            return nil
        case .waitForOwnSend(let reason):
            logger.debug("notification put off: \(reason)", metadata: metadata)
            postponed.nextAttemptAt = now + (outcome.retryDelay(attempts: queued.attempts, backoff: backoff) ?? 0.2)
            try await ledger.postponeNotification(
                offset: queued.offset, failed: false, nextAttemptAt: postponed.nextAttemptAt, lastError: queued.lastError, now: now)
            return postponed
        case .failed(let reason, _):
            let wait = outcome.retryDelay(attempts: queued.attempts, backoff: backoff) ?? 1
            logger.warning("notification not handled yet, retrying in \(RetryPolicy.describe(wait)): \(reason)", metadata: metadata)
            postponed.nextAttemptAt = now + wait
            postponed.attempts += 1
            postponed.lastError = reason
            try await ledger.postponeNotification(offset: queued.offset, failed: true, nextAttemptAt: postponed.nextAttemptAt, lastError: reason, now: now)
            return postponed
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
            return nil
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
