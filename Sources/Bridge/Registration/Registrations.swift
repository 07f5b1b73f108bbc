import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import ServiceLifecycle
import Synchronization

/// What senders need of registration: to wait until a HER-id may send, and to report that NHN
/// lost its configuration. The outbox pipeline and the receive service use it.
package protocol SenderRegistration: Sendable {
    func isRegistered(_ herId: Int) -> Bool
    /// Whether `herId` is one the bridge is configured to act for (`nhn.herIds`, `nhn.senderHerId`),
    /// registered at start-up: its refusal is an operator's to fix, and its drops wait for it.
    func isConfigured(_ herId: Int) -> Bool
    /// Returns once `herId` is registered (starting its registration if nobody has), NHN refused
    /// it, or `shutdown` came first.
    func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait
    /// After a refusal: returns with NHN's next answer to the registration retried in the
    /// background (registered, or refused again), without asking for an earlier attempt.
    func waitForNextAnswer(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait
    /// NHN refused a call because `herId` has no MSH configuration (400, errorCode 1001).
    func registrationLost(_ herId: Int) async
}

extension SenderRegistration {
    package func isConfigured(_ herId: Int) -> Bool { false }

    package func waitForNextAnswer(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait {
        await waitUntilRegistered(herId, shutdown: shutdown)
    }
}

/// How waiting for a registration ended.
package enum RegistrationWait: Sendable, Equatable {
    case registered
    /// NHN refused `PUT /mshconfigurations` (403, 423, 401, …); it is tried again with a long
    /// backoff meanwhile.
    case refused(CallFailure)
    case stopped
}

/// Registers our HER-ids with NHN (`PUT /mshconfigurations`) as a `Service`: the configured
/// ones at start, and any other sender on demand, each until it succeeds: with backoff while
/// NHN's trouble is transient, and with a long backoff (`refusalRetry`) while NHN refuses it
/// (a lock by another client or a missing authorisation is fixed by an operator, and the bridge
/// must pick the fix up without a restart). Success is remembered in the ledger per
/// configuration, so after a restart during an NHN outage remembered HER-ids send at once while
/// they are registered again in the background. Waiters are woken by each answer, not polling.
package final class Registrations: Service, SenderRegistration {
    private let herIds: [Int]
    private let registrar: any MshRegistrar
    private let ledger: Ledger
    private let retry: RetryPolicy
    private let refusalRetry: RetryPolicy
    private let logger: Logger
    private let book: Mutex<RegistrationBook>
    private let stopping = ShutdownSignal()
    /// Moves on with every answer NHN gives (the book changed).
    private let answered = ChangeSignal()
    /// Moves on when a caller needs a HER-id whose loop is backing off after a refusal.
    private let retryNow = ChangeSignal()
    /// How long a waiter sleeps before it looks again even without a wake-up (a safety net).
    private let recheck: Duration

    /// `herIds`: every HER-id the bridge acts for (`nhn.herIds` and `nhn.senderHerId`).
    package init(
        herIds: [Int], registrar: any MshRegistrar, ledger: Ledger, retry: RetryPolicy, logger: Logger,
        refusalRetry: RetryPolicy = RetryPolicy(initialSeconds: 60, maxSeconds: 3600), recheck: Duration = .seconds(30)
    ) {
        var unique: [Int] = []
        for herId in herIds where !unique.contains(herId) { unique.append(herId) }
        self.herIds = unique
        self.registrar = registrar
        self.ledger = ledger
        self.retry = retry
        self.refusalRetry = refusalRetry
        self.logger = logger
        self.recheck = recheck
        let remembered = (try? ledger.registeredHerIds(configuration: registrar.configuration(for:))) ?? []
        book = Mutex(RegistrationBook(remembered: remembered))
    }

    package func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            // Refusals an earlier run recorded are learnt again by this one.
            try? await ledger.clearRegistrationRefusals()
            // One loop per HER-id: a refusal of one (403) must not hold the others back.
            await withDiscardingTaskGroup { group in
                for herId in herIds {
                    let start = book.withLock { book in
                        book.startUp(herId)
                        return book.loopStarted(herId)
                    }
                    if start { group.addTask { await self.register(herId) } }
                }
            }
            // Stays up for registrations on demand until shutdown.
            while await stopping.sleep(for: .seconds(3600)) {}
        } onCancelOrGracefulShutdown: {
            self.stopping.trigger()
        }
    }

    package func isRegistered(_ herId: Int) -> Bool { book.withLock { $0.isRegistered(herId) } }

    package func isConfigured(_ herId: Int) -> Bool { herIds.contains(herId) }

    /// Waiters parked until NHN's next answer (for tests).
    var waiters: Int { answered.waiting }

    package func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait {
        if book.withLock({ $0.need(herId) }) { ensureLoop(herId) }
        while true {
            let seen = answered.generation
            switch book.withLock({ $0.status(herId) }) {
            case .registered?: return .registered
            case .refused(let failure)?: return .refused(failure)
            case .registering?, nil:
                guard await shutdown.sleep(for: recheck, orUntil: answered, changesAfter: seen) else { return .stopped }
            }
        }
    }

    package func waitForNextAnswer(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait {
        let before = book.withLock { $0.answers[herId] ?? 0 }
        while true {
            let seen = answered.generation
            let (status, answers) = book.withLock { ($0.status(herId), $0.answers[herId] ?? 0) }
            if answers != before || status == .registered {
                switch status {
                case .registered?: return .registered
                case .refused(let failure)?: return .refused(failure)
                case .registering?, nil: break
                }
            }
            guard await shutdown.sleep(for: recheck, orUntil: answered, changesAfter: seen) else { return .stopped }
        }
    }

    package func registrationLost(_ herId: Int) async {
        guard book.withLock({ $0.lost(herId) }) else { return }
        logger.warning("NHN has no MSH configuration for a HER-id; registering it again", metadata: ["herId": "\(herId)"])
        do {
            try await ledger.forgetRegistration(herId: herId)
        } catch {
            logger.error("the lost registration could not be forgotten in the ledger: \(error)", metadata: ["herId": "\(herId)"])
        }
        ensureLoop(herId)
    }

    /// Starts the registration loop of `herId`, or prods the running one to try at once.
    private func ensureLoop(_ herId: Int) {
        if book.withLock({ $0.loopStarted(herId) }) {
            Task { await self.register(herId) }
        } else {
            retryNow.changed()
        }
    }

    /// For `dropbridge status`: why drops from `herId` wait, and when it is tried next.
    private func recordRefusal(_ herId: Int, _ failure: CallFailure, retryIn delay: Double) async {
        var status: Int?
        switch failure {
        case .refused(let code, _, _): status = code
        case .locked: status = 423
        case .unauthorized: status = 401
        case .transient: status = nil
        }
        let now = Timestamp.now()
        do {
            try await ledger.recordRegistrationRefusal(herId: herId, reason: failure.reason, httpStatus: status, now: now, nextAttemptAt: now + delay)
        } catch {
            logger.error("the refused registration could not be recorded in the ledger: \(error)", metadata: ["herId": "\(herId)"])
        }
    }

    /// `PUT /mshconfigurations` until it succeeds or shutdown; success is remembered in the
    /// ledger. Every answer wakes the waiters.
    private func register(_ herId: Int) async {
        defer { book.withLock { $0.loopEnded(herId) } }
        var failures = 0
        var refusals = 0
        let metadata: Logger.Metadata = ["herId": "\(herId)"]
        while true {
            let prodded = retryNow.generation
            let delay: Double
            switch await registrar.registerConfigurations(herIds: [herId]) {
            case .succeeded:
                do {
                    try await ledger.recordRegistration(
                        herIds: [herId], configuration: { [registrar] in registrar.configuration(for: $0) }, now: Timestamp.now())
                } catch {
                    // NHN has it: sending may go on; the next start registers again anyway.
                    logger.error("the registration could not be recorded in the ledger: \(error)", metadata: metadata)
                }
                book.withLock { $0.succeeded(herId) }
                answered.changed()
                logger.info("HER-id registered with NHN", metadata: metadata)
                return
            case .failed(.transient(let reason, let retryAfter, _)):
                failures += 1
                delay = retry.delay(afterFailures: failures, retryAfter: retryAfter?.seconds)
                logger.error("HER-id could not be registered; retrying in \(RetryPolicy.describe(delay)): \(reason)", metadata: metadata)
            case .failed(let failure):
                refusals += 1
                book.withLock { $0.refused(herId, failure) }
                answered.changed()
                delay = refusalRetry.delay(afterFailures: refusals, retryAfter: nil)
                await recordRefusal(herId, failure, retryIn: delay)
                logger.error(
                    "NHN refused to register the HER-id (an operator must act); trying again in \(RetryPolicy.describe(delay)): \(failure.reason)",
                    metadata: metadata)
            }
            guard await stopping.sleep(for: .seconds(delay), orUntil: retryNow, changesAfter: prodded) else { return }
        }
    }
}
