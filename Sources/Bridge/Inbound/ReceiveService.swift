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
/// when it can. More than 1,500 HER-ids are read as one stream per batch, each with its own
/// offset and its own state in the ledger (`receiveBatches`); the overall state sums them up.
package final class ReceiveService: Service {
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
    /// Each batch's connection state (by `Ledger.offsetKey`), for the overall state.
    private let batchStates = Mutex<[String: (state: String, detail: String?)]>([:])
    /// When each batch's last event was written to the ledger: heartbeats are noted at most
    /// every `eventNoteInterval`, not one write each. A minute: the time only feeds `status`
    /// ("last event … ago") and the silent-stream alert (hours), and an idle bridge should not
    /// commit (and fsync) the ledger at every heartbeat.
    private let eventsNoted = Mutex<[String: ContinuousClock.Instant]>([:])
    private let eventNoteInterval: Duration = .seconds(60)
    private let batches: [[Int]]
    /// Notifications read, by type (`Monitoring`).
    private let metrics: any BridgeMetrics

    package init(
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
        batches = NHNClient.herIdBatches(herIds)
        self.mode = mode
        self.pollInterval = pollInterval
        self.transport = transport
        self.ledger = ledger
        self.logger = logger
        var handler = handler
        handler.shutdown = shutdown
        worker = NotificationWorker(
            ledger: ledger, handler: handler, shutdown: shutdown,
            backoff: RetryPolicy(initialSeconds: 1, maxSeconds: maxBackoffSeconds), logger: logger, diskSpace: diskSpace)
    }

    package func run() async throws {
        guard mode != .off, !herIds.isEmpty else {
            logger.info("receiving is off (nhn.receive: off, or no nhn.herIds)")
            return
        }
        await withTaskCancellationOrGracefulShutdownHandler {
            guard await register() else { return }
            await finishDownloadMarks()
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.worker.run() }
                for batch in batches {
                    group.addTask { await self.receive(batch) }
                }
            }
        } onCancelOrGracefulShutdown: {
            self.stop()
        }
        for batch in batches where batchStates.withLock({ $0[Ledger.offsetKey(batch)] != nil }) {
            try? await ledger.setReceiveBatchState(herIds: batch, state: "stopped", detail: nil, now: Timestamp.now())
        }
        await report("stopped", nil)
        logger.info("receiving stopped")
    }

    /// Stops reading and starts no further call; handlings in flight finish their current call.
    /// Also called by `StopTogether` as soon as the bridge is told to stop.
    package func stop() {
        shutdown.trigger()
        worker.wake()
    }

    /// For `dropbridge status`; a failure to record it must not stop receiving.
    private func report(_ state: String, _ detail: String?) async {
        try? await ledger.setReceiveState(state, detail: detail, now: Timestamp.now())
    }

    /// One batch's connection state into the ledger, and the overall state summed up from all
    /// batches (`streaming` only when every batch streams), in one transaction. Written when it
    /// changes, so its time says since when.
    private func report(batch herIds: [Int], _ state: String, _ detail: String?) async {
        let key = Ledger.offsetKey(herIds)
        let changed = batchStates.withLock { states -> Bool in
            if let known = states[key], known == (state, detail) { return false }
            states[key] = (state, detail)
            return true
        }
        guard changed else { return }
        let batchCount = batches.count
        try? await ledger.setReceiveBatchState(
            herIds: herIds, state: state, detail: detail,
            overall: { self.batchStates.withLock { Self.summary($0, batches: batchCount) } }, now: Timestamp.now())
    }

    /// The overall state of `batches` batches from the states reported so far.
    static func summary(_ states: [String: (state: String, detail: String?)], batches: Int) -> (String, String?) {
        let polling = states.values.filter { $0.state == "polling" }
        if states.count == batches, states.values.allSatisfy({ $0.state == "streaming" }) { return ("streaming", nil) }
        if let first = polling.first {
            if batches == 1 { return ("polling", first.detail) }
            return ("polling", "\(polling.count) of \(batches) batches of HER-ids polling\(first.detail.map { ": \($0)" } ?? "")")
        }
        return ("connecting", batches == 1 ? nil : "\(states.values.filter { $0.state == "streaming" }.count) of \(batches) batches streaming")
    }

    /// NHN sent an event on this batch: noted in the ledger for `status`, at most once per
    /// `eventNoteInterval` (`StatusText.eventAge` words the time accordingly).
    private func noteEvent(_ herIds: [Int]) async {
        let key = Ledger.offsetKey(herIds)
        let now = ContinuousClock.now
        let due = eventsNoted.withLock { noted -> Bool in
            if let last = noted[key], now - last < eventNoteInterval { return false }
            noted[key] = now
            return true
        }
        if due { try? await ledger.noteReceiveEvent(herIds: herIds, at: Timestamp.now()) }
    }

    /// Waits for the shared registration (`Registrations`) of every HER-id we receive for: NHN
    /// refuses notification reads for HER-ids without a configuration. Outbound work goes on
    /// meanwhile. A refusal does not end receiving: `Registrations` tries again with a long
    /// backoff, and receiving starts once NHN accepts (the state says why it waits).
    private func register() async -> Bool {
        await report("registering", nil)
        for herId in herIds {
            var outcome = await registrations.waitUntilRegistered(herId, shutdown: shutdown)
            var refusals = 0
            while case .refused(let failure) = outcome {
                // Each refusal is logged at error by `Registrations`; this says once what it stops.
                refusals += 1
                if refusals == 1 {
                    logger.error(
                        "receiving waits: NHN refused to register a HER-id; it is tried again with backoff: \(failure.reason)",
                        metadata: ["herId": "\(herId)"])
                }
                await report(
                    "refused",
                    "PUT /mshconfigurations for HER-id \(herId): \(failure.reason) (tried again with backoff; receiving starts once NHN accepts it)")
                outcome = await registrations.waitForNextAnswer(herId, shutdown: shutdown)
            }
            if outcome == .stopped { return false }
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
    private enum Round: Equatable {
        case healthy
        /// `retryAfter`: what NHN asked for (`Retry-After` on a 429/503), waited at least.
        case failed(retryAfter: Duration? = nil)

        var failed: Bool { self != .healthy }
        var retryAfter: Duration? {
            if case .failed(let retryAfter) = self { return retryAfter }
            return nil
        }
    }

    /// Reads the notifications of one batch of HER-ids until shutdown.
    private func receive(_ herIds: [Int]) async {
        var failures = 0
        while !shutdown.isTriggered {
            var round: Round
            // The longest wait NHN asked for this round, whichever call it answered.
            var retryAfter: Duration?
            if mode == .stream {
                round = await streamOnce(herIds)
                retryAfter = round.retryAfter
                // While the stream cannot be held, poll so that nothing waits for it.
                if round.failed {
                    await report(batch: herIds, "polling", "the notification stream cannot be held; polling until it can")
                    let polled = await pollOnce(herIds)
                    retryAfter = [retryAfter, polled.retryAfter].compactMap { $0 }.max()
                }
            } else {
                await report(batch: herIds, "polling", nil)
                round = await pollOnce(herIds)
                retryAfter = round.retryAfter
            }
            failures = round.failed ? failures + 1 : 0
            let wait: Duration =
                switch round {
                case .healthy: mode == .stream ? .milliseconds(100) : pollInterval
                case .failed: .seconds(backoff.delay(afterFailures: failures, retryAfter: retryAfter?.seconds))
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
                // "streaming" once its first event came (a 204 or an at once closed stream never is).
                stream = opened
            case .failure(let failure):
                logger.warning("notification stream refused: \(failure.reason)")
                return .failed(retryAfter: failure.retryAfter)
            }
        } catch {
            logger.warning("notification stream could not be opened: \(error)")
            return .failed()
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
                    switch lastEvent.watch(idle: idle) {
                    case .reconnect: return nil
                    case .checkAgain(let after):
                        guard await shutdown.sleep(for: after), !Task.isCancelled else { return .healthy }
                    }
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
                return .failed()
            }
            return round
        }
    }

    /// Reads one connection of the stream until it ends, noting the time of every event.
    private func read(_ stream: NotificationStream, herIds: [Int], lastEvent: LastEvent) async -> Round {
        do {
            var last: Int64 = 0
            var sawEvent = false
            for try await event in stream {
                if shutdown.isTriggered { break }
                if !sawEvent { await report(batch: herIds, "streaming", nil) }
                sawEvent = true
                await noteEvent(herIds)
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
            // NHN opens every stream with `connected`. One that ends without any event (a 204,
            // a proxy closing it at once) delivers nothing however often it is reopened: poll
            // meanwhile and back off, rather than reconnecting ten times a second forever.
            guard sawEvent || shutdown.isTriggered else {
                logger.warning("the notification stream ended before its first event; polling meanwhile")
                return .failed()
            }
            return .healthy
        } catch NotificationStreamError.eventTooLarge(let limit) {
            // Counted in the ledger per batch, for `status`, and in the metrics.
            metrics.notificationEventTooLarge()
            let count = (try? await ledger.countOversizedEvent(herIds: herIds, now: Timestamp.now())).map(String.init) ?? "?"
            logger.warning("the notification stream sent an event larger than \(limit) bytes; reopening (\(count) time(s) so far for this batch)")
            return .failed()
        } catch {
            if Task.isCancelled { return .healthy }
            logger.warning("notification stream ended: \(error)")
            return .failed()
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
                    return .failed(retryAfter: failure.retryAfter)
                }
            }
            return .healthy
        } catch {
            logger.warning("notifications could not be recorded: \(error)")
            return .failed()
        }
    }
}
