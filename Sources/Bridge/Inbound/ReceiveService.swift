import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import ServiceLifecycle
import Synchronization

/// The inbound side as one `Service`: registers our HER-ids, then keeps the notification stream
/// open (or polls), hands each notification to the `NotificationHandler`, and moves the stored
/// offset forward only after the notification's effect is durable. While the stream cannot be
/// held it polls, and goes back to the stream when it can. A few notifications are handled at
/// once (`HandlingWindow`); the offset still moves in order.
public final class ReceiveService: Service {
    private let herIds: [Int]
    private let mode: BridgeConfig.ReceiveMode
    private let pollInterval: Duration
    private let transport: any InboundTransport
    private let handler: NotificationHandler
    private let ledger: Ledger
    private let shutdown = ShutdownSignal()
    private let logger: Logger
    private let backoff: RetryPolicy
    private let streamIdle: Duration
    /// Registers our HER-ids (`PUT /mshconfigurations`); nil: this service registers them itself.
    private let registrations: (any SenderRegistration)?

    public init(
        herIds: [Int], mode: BridgeConfig.ReceiveMode, pollInterval: Duration,
        transport: any InboundTransport, handler: NotificationHandler, ledger: Ledger, logger: Logger,
        maxBackoffSeconds: Double = 30, streamIdle: Duration = .seconds(120),
        registrations: (any SenderRegistration)? = nil
    ) {
        self.registrations = registrations
        self.streamIdle = streamIdle
        backoff = RetryPolicy(initialSeconds: 1, maxSeconds: min(30, maxBackoffSeconds))
        self.herIds = herIds
        self.mode = mode
        self.pollInterval = pollInterval
        self.transport = transport
        self.handler = handler
        self.ledger = ledger
        self.logger = logger
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
                await receive()
            } onGracefulShutdown: {
                self.shutdown.trigger()
            }
        } onCancel: {
            self.shutdown.trigger()
        }
        await report("stopped", nil)
        logger.info("receiving stopped")
    }

    /// For `dropbridge status`; a failure to record it must not stop receiving.
    private func report(_ state: String, _ detail: String?) async {
        try? await ledger.setReceiveState(state, detail: detail, now: Timestamp.now())
    }

    /// `PUT /mshconfigurations` at every start, retried with backoff: NHN refuses notification
    /// reads for HER-ids without a configuration. Outbound work goes on meanwhile.
    private func register() async -> Bool {
        var failures = 0
        await report("registering", nil)
        if let registrations {
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
        while !shutdown.isTriggered {
            switch await transport.registerConfigurations(herIds: herIds) {
            case .succeeded:
                logger.info("HER-ids registered with NHN", metadata: ["herIds": "\(herIds)"])
                if case .failed(let failure) = await transport.ping() {
                    logger.warning("GET /ping failed after registering: \(failure.reason)")
                }
                return true
            case .failed(let failure):
                failures += 1
                let wait = backoff.delay(afterFailures: failures, retryAfter: nil)
                await report("retrying", "PUT /mshconfigurations: \(failure.reason)")
                logger.error("HER-ids could not be registered; retrying in \(RetryPolicy.describe(wait)): \(failure.reason)")
                guard await shutdown.sleep(for: .seconds(wait)) else { return false }
            }
        }
        return false
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
        /// A notification waits for our own send to record its answer: again in a moment.
        case retrySoon
        case failed
    }

    private func receive() async {
        var failures = 0
        while !shutdown.isTriggered {
            var round: Round
            if mode == .stream {
                round = await streamOnce()
                // While the stream cannot be held, poll so that nothing waits for it.
                if round == .failed {
                    await report("polling", "the notification stream cannot be held; polling until it can")
                    if await pollOnce() == .retrySoon { round = .retrySoon }
                }
            } else {
                await report("polling", nil)
                round = await pollOnce()
            }
            failures = round == .failed ? failures + 1 : 0
            let wait: Duration =
                switch round {
                case .healthy: mode == .stream ? .milliseconds(100) : pollInterval
                case .retrySoon: .milliseconds(200)
                case .failed: .seconds(backoff.delay(afterFailures: failures, retryAfter: nil))
                }
            guard await shutdown.sleep(for: wait) else { return }
        }
    }

    private var offset: Int64 {
        get throws { try ledger.receiveOffset(herIds: herIds) ?? 0 }
    }

    /// One connection of the stream, until it ends: `failed` when it could not be opened or
    /// broke (the caller backs off and polls meanwhile).
    private func streamOnce() async -> Round {
        let stream: NotificationStream
        do {
            switch await transport.notificationStream(herIds: herIds, after: try offset) {
            case .success(let opened):
                stream = opened
                await report("streaming", nil)
            case .failure(let failure):
                logger.warning("notification stream refused: \(failure.reason)")
                return .failed
            }
        } catch {
            return round(after: error, "notification stream could not be opened")
        }
        // A connection that goes silent without closing (a half-open TCP connection, a stuck
        // proxy) would hold receiving forever: after `streamIdle` without any event or
        // heartbeat, give it up and reconnect from the saved offset.
        let lastEvent = LastEvent()
        let idle = streamIdle
        return await withTaskGroup(of: Round?.self) { group in
            group.addTask { await self.read(stream, lastEvent: lastEvent) }
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
    private func read(_ stream: NotificationStream, lastEvent: LastEvent) async -> Round {
        do {
            var window = try HandlingWindow(committed: offset, handler: handler, shutdown: shutdown, backoff: backoff, logger: logger)
            do {
                for try await event in stream {
                    if shutdown.isTriggered { break }
                    // While the window is full the stream is not read: that is no silence.
                    try await lastEvent.busy {
                        if case .notification(let notification) = event {
                            try await window.submit(notification, commit: commit)
                        }
                        // Heartbeats too: what finished meanwhile gets its offset saved.
                        try await window.saveFinished(commit: commit)
                    }
                }
                try await window.drain(commit: commit)
            } catch {
                // What was handled before the trouble keeps its place.
                try? await window.drain(commit: commit)
                throw error
            }
            return .healthy
        } catch {
            if Task.isCancelled { return .healthy }
            return round(after: error, "notification stream ended")
        }
    }

    /// Reads pages of notifications until none are left.
    private func pollOnce() async -> Round {
        do {
            while !shutdown.isTriggered {
                switch await transport.notifications(herIds: herIds, after: try offset, count: 1000) {
                case .success(let page):
                    if page.isEmpty { return .healthy }
                    var window = try HandlingWindow(committed: offset, handler: handler, shutdown: shutdown, backoff: backoff, logger: logger)
                    do {
                        for notification in page.sorted(by: { $0.offset < $1.offset }) {
                            if shutdown.isTriggered { break }
                            try await window.submit(notification, commit: commit)
                        }
                        // The next page starts after this one's offset: all of it must be done.
                        try await window.drain(commit: commit)
                    } catch {
                        try? await window.drain(commit: commit)
                        throw error
                    }
                    if shutdown.isTriggered { return .healthy }
                case .failure(let failure):
                    logger.warning("polling notifications failed: \(failure.reason)")
                    return .failed
                }
            }
            return .healthy
        } catch {
            return round(after: error, "a notification could not be handled")
        }
    }

    /// How a round that threw ends: a wait for our own send is no trouble; anything else is.
    private func round(after error: any Error, _ what: String) -> Round {
        if let trouble = error as? InboundTrouble, trouble.retrySoon {
            logger.debug("notification handling paused: \(trouble)")
            return .retrySoon
        }
        logger.warning("\(what): \(error)")
        return .failed
    }

    /// The effect first, then the offset: a crash in between handles the notification again,
    /// which the handler makes harmless.
    private var commit: @Sendable (Int64) async throws -> Void {
        { [ledger, herIds] offset in try await ledger.saveReceiveOffset(offset, herIds: herIds, now: Timestamp.now()) }
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

    var quietFor: Duration {
        state.withLock { $0.busy ? .zero : ContinuousClock.now - $0.at }
    }
}
