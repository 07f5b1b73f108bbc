import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import ServiceLifecycle
import Synchronization

/// The inbound side as one `Service`: registers our HER-ids, then keeps the notification stream
/// open (or polls) and records every notification in the ledger's queue together with the new
/// offset, in one commit: the offset never waits for a notification's effects. The
/// `NotificationWorker` handles the queue beside it, so no single message can hold up reading
/// or the other messages. While the stream cannot be held it polls, and goes back to the stream
/// when it can. More than 1,500 HER-ids are read as one stream (and offset) per batch.
public final class ReceiveService: Service {
    private let herIds: [Int]
    private let mode: BridgeConfig.ReceiveMode
    private let pollInterval: Duration
    private let transport: any InboundTransport
    private let ledger: Ledger
    private let worker: NotificationWorker
    private let shutdown = ShutdownSignal()
    private let logger: Logger
    private let backoff: RetryPolicy
    private let streamIdle: Duration
    /// Registers our HER-ids (`PUT /mshconfigurations`), shared with the outbox.
    private let registrations: any SenderRegistration
    /// Streams dropped because one event grew past its cap (`NotificationStreamError.eventTooLarge`).
    private let oversizedEvents = Mutex(0)
    /// Notifications read, by type (`Monitoring`).
    private let metrics: any BridgeMetrics

    public init(
        herIds: [Int], mode: BridgeConfig.ReceiveMode, pollInterval: Duration,
        transport: any InboundTransport, handler: NotificationHandler, ledger: Ledger, logger: Logger,
        maxBackoffSeconds: Double = 30, streamIdle: Duration = .seconds(120),
        registrations: any SenderRegistration, metrics: any BridgeMetrics = NoMetrics(), diskSpace: DiskSpaceGuard? = nil
    ) {
        self.metrics = metrics
        self.registrations = registrations
        self.streamIdle = streamIdle
        backoff = RetryPolicy(initialSeconds: 1, maxSeconds: min(30, maxBackoffSeconds))
        self.herIds = herIds
        self.mode = mode
        self.pollInterval = pollInterval
        self.transport = transport
        self.ledger = ledger
        self.logger = logger
        worker = NotificationWorker(
            ledger: ledger, handler: handler, shutdown: shutdown,
            backoff: RetryPolicy(initialSeconds: 1, maxSeconds: maxBackoffSeconds), logger: logger, diskSpace: diskSpace)
    }

    public func run() async throws {
        guard mode != .off, !herIds.isEmpty else {
            logger.info("receiving is off (nhn.receive: off, or no nhn.herIds)")
            return
        }
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                guard await register() else { return }
                await finishDownloadMarks()
                await withTaskGroup(of: Void.self) { group in
                    group.addTask { await self.worker.run() }
                    for batch in NHNClient.herIdBatches(herIds) {
                        group.addTask { await self.receive(batch) }
                    }
                }
            } onGracefulShutdown: {
                self.stop()
            }
        } onCancel: {
            self.stop()
        }
        await report("stopped", nil)
        logger.info("receiving stopped")
    }

    private func stop() {
        shutdown.trigger()
        worker.wake()
    }

    /// For `dropbridge status`; a failure to record it must not stop receiving.
    private func report(_ state: String, _ detail: String?) async {
        try? await ledger.setReceiveState(state, detail: detail, now: Timestamp.now())
    }

    /// Waits for the shared registration (`Registrations`) of every HER-id we receive for: NHN
    /// refuses notification reads for HER-ids without a configuration. Outbound work goes on meanwhile.
    private func register() async -> Bool {
        await report("registering", nil)
        for herId in herIds {
            switch await registrations.waitUntilRegistered(herId, shutdown: shutdown) {
            case .registered: continue
            case .stopped: return false
            case .refused(let failure):
                // Receiving cannot start without it; an operator must act (then restart).
                await report("refused", "PUT /mshconfigurations: \(failure.reason)")
                return false
            }
        }
        if case .failed(let failure) = await transport.ping() {
            logger.warning("GET /ping failed after registering: \(failure.reason)")
        }
        return true
    }

    /// Messages whose files were written before a crash but NHN was not told yet.
    private func finishDownloadMarks() async {
        for record in (try? ledger.inboundNotYetDownloaded()) ?? [] {
            if case .succeeded = await transport.markDownloaded(id: record.messageId, receiverHerId: record.receiverHerId) {
                try? await ledger.markInboundDownloaded(messageId: record.messageId, at: Timestamp.now())
            }
        }
    }

    /// How one round of reading ended.
    private enum Round {
        case healthy
        case failed
    }

    /// Reads the notifications of one batch of HER-ids until shutdown.
    private func receive(_ herIds: [Int]) async {
        var failures = 0
        while !shutdown.isTriggered {
            var round: Round
            if mode == .stream {
                round = await streamOnce(herIds)
                // While the stream cannot be held, poll so that nothing waits for it.
                if round == .failed {
                    await report("polling", "the notification stream cannot be held; polling until it can")
                    _ = await pollOnce(herIds)
                }
            } else {
                await report("polling", nil)
                round = await pollOnce(herIds)
            }
            failures = round == .failed ? failures + 1 : 0
            let wait: Duration =
                switch round {
                case .healthy: mode == .stream ? .milliseconds(100) : pollInterval
                case .failed: .seconds(backoff.delay(afterFailures: failures, retryAfter: nil))
                }
            guard await shutdown.sleep(for: wait) else { return }
        }
    }

    private func offset(_ herIds: [Int]) throws -> Int64 {
        try ledger.receiveOffset(herIds: herIds) ?? 0
    }

    static let knownTypes: Set<String> = [
        "NewMessage", "RefusedMessage", "MessageSentStateUpdated", "MessageDeliveryStateUpdated", "MessageApprecInfoUpdated",
    ]

    /// Records notifications and the new offset in one commit, then wakes the worker.
    private func enqueue(_ notifications: [NHNNotification], herIds: [Int]) async throws {
        guard let last = notifications.map(\.offset).max() else { return }
        let now = Timestamp.now()
        let queued = notifications.map { QueuedNotification($0, herIds: herIds, now: now) }
        try await ledger.enqueueNotifications(queued, offset: last, herIds: herIds, now: now)
        for notification in notifications {
            // A type this version does not know is counted as `other`: the label set stays bounded.
            metrics.notificationReceived(type: Self.knownTypes.contains(notification.type) ? notification.type : "other")
        }
        worker.wake()
    }

    /// One connection of the stream, until it ends: `failed` when it could not be opened or
    /// broke (the caller backs off and polls meanwhile).
    private func streamOnce(_ herIds: [Int]) async -> Round {
        let stream: NotificationStream
        do {
            switch await transport.notificationStream(herIds: herIds, after: try offset(herIds)) {
            case .success(let opened):
                stream = opened
                await report("streaming", nil)
            case .failure(let failure):
                logger.warning("notification stream refused: \(failure.reason)")
                return .failed
            }
        } catch {
            logger.warning("notification stream could not be opened: \(error)")
            return .failed
        }
        // A connection that goes silent without closing (a half-open TCP connection, a stuck
        // proxy) would hold receiving forever: after `streamIdle` without any event or
        // heartbeat, give it up and reconnect from the saved offset.
        let lastEvent = LastEvent()
        let idle = streamIdle
        return await withTaskGroup(of: Round?.self) { group in
            group.addTask { await self.read(stream, herIds: herIds, lastEvent: lastEvent) }
            // The watchdog; it also ends the reading at shutdown, which a quiet stream would
            // otherwise hold until its next event.
            let shutdown = shutdown
            group.addTask {
                while true {
                    let quiet = lastEvent.quietFor
                    if quiet >= idle { return nil }
                    guard await shutdown.sleep(for: idle - quiet), !Task.isCancelled else { return .healthy }
                }
            }
            // Whichever ends first decides; the other is stopped and waited for.
            let first = await group.next() ?? .healthy
            group.cancelAll()
            _ = await group.next()
            guard let round = first else {
                // Counted as a failure: a stream that keeps going silent (a proxy holding the
                // body back) makes the bridge poll meanwhile and back off.
                logger.warning("the notification stream sent nothing for \(idle.components.seconds) s; reconnecting")
                return .failed
            }
            return round
        }
    }

    /// Reads one connection of the stream until it ends, noting the time of every event.
    private func read(_ stream: NotificationStream, herIds: [Int], lastEvent: LastEvent) async -> Round {
        do {
            var last: Int64 = 0
            for try await event in stream {
                if shutdown.isTriggered { break }
                guard case .notification(let notification) = event else {
                    lastEvent.touch()
                    continue
                }
                // Saving the offset of each as it comes is right only for ascending offsets:
                // anything else is a broken stream, read again from the saved offset.
                guard notification.offset > last else {
                    throw InboundTrouble(description: "notification \(notification.offset) arrived after \(last); reading again")
                }
                last = notification.offset
                try await lastEvent.busy { try await enqueue([notification], herIds: herIds) }
            }
            return .healthy
        } catch NotificationStreamError.eventTooLarge(let limit) {
            let count = oversizedEvents.withLock { count in
                count += 1
                return count
            }
            logger.warning("the notification stream sent an event larger than \(limit) bytes; reopening (\(count) time(s) so far)")
            return .failed
        } catch {
            if Task.isCancelled { return .healthy }
            logger.warning("notification stream ended: \(error)")
            return .failed
        }
    }

    /// Reads pages of notifications until none are left; each page is one commit.
    private func pollOnce(_ herIds: [Int]) async -> Round {
        do {
            while !shutdown.isTriggered {
                let after = try offset(herIds)
                switch await transport.notifications(herIds: herIds, after: after, count: 1000) {
                case .success(let page):
                    // Nothing past the saved offset: up to date (a page that repeats itself
                    // must not loop).
                    guard let last = page.map(\.offset).max(), last > after else { return .healthy }
                    try await enqueue(page, herIds: herIds)
                case .failure(let failure):
                    logger.warning("polling notifications failed: \(failure.reason)")
                    return .failed
                }
            }
            return .healthy
        } catch {
            logger.warning("notifications could not be recorded: \(error)")
            return .failed
        }
    }
}

/// How long the notification stream has been silent while the bridge was waiting for it.
final class LastEvent: Sendable {
    private struct State {
        var at = ContinuousClock.now
        var busy = false
    }

    private let state = Mutex(State())

    /// Runs `work` (handling an event) as time that does not count as silence.
    func busy<T>(_ work: () async throws -> T) async rethrows -> T {
        state.withLock { $0.busy = true }
        defer { state.withLock { $0 = State() } }
        return try await work()
    }

    /// An event that needed no work (a heartbeat): the connection is alive.
    func touch() { state.withLock { $0 = State() } }

    var quietFor: Duration {
        state.withLock { $0.busy ? .zero : ContinuousClock.now - $0.at }
    }
}
