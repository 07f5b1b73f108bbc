import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import ServiceLifecycle
import Synchronization

/// What senders need of registration: to wait until a HER-id may send, and to report that NHN
/// lost its configuration. The outbox pipeline and the receive service use it.
public protocol SenderRegistration: Sendable {
    func isRegistered(_ herId: Int) -> Bool
    /// Returns once `herId` is registered (starting its registration if nobody has), NHN refused
    /// it for good, or `shutdown` came first.
    func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait
    /// NHN refused a call because `herId` has no MSH configuration (400, errorCode 1001).
    func registrationLost(_ herId: Int) async
}

/// How waiting for a registration ended.
public enum RegistrationWait: Sendable, Equatable {
    case registered
    /// NHN refused `PUT /mshconfigurations` for good (403, 423, 401, …).
    case refused(CallFailure)
    case stopped
}

/// Registers our HER-ids with NHN (`PUT /mshconfigurations`) as a `Service`: the configured
/// ones at start, with backoff for as long as NHN refuses, and any other sender on demand.
/// Success is remembered in the ledger per configuration, so after a restart during an NHN
/// outage remembered HER-ids send at once while they are registered again in the background.
public final class Registrations: Service, SenderRegistration {
    private let herIds: [Int]
    private let registrar: any MshRegistrar
    private let ledger: Ledger
    private let retry: RetryPolicy
    private let logger: Logger
    private let book: Mutex<RegistrationBook>
    private let stopping = ShutdownSignal()
    /// How often a waiter looks again (a registration takes at least one round trip).
    private let pollInterval: Duration

    /// `herIds`: every HER-id the bridge acts for (`nhn.herIds` and `nhn.senderHerId`).
    public init(
        herIds: [Int], registrar: any MshRegistrar, ledger: Ledger, retry: RetryPolicy, logger: Logger,
        pollInterval: Duration = .milliseconds(50)
    ) {
        var unique: [Int] = []
        for herId in herIds where !unique.contains(herId) { unique.append(herId) }
        self.herIds = unique
        self.registrar = registrar
        self.ledger = ledger
        self.retry = retry
        self.logger = logger
        self.pollInterval = pollInterval
        let remembered = (try? ledger.registeredHerIds(configuration: registrar.configuration(for:))) ?? []
        book = Mutex(RegistrationBook(remembered: remembered))
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            // One PUT per HER-id: a refusal of one (403) must not hold the others back.
            await withDiscardingTaskGroup { group in
                for herId in herIds {
                    book.withLock { $0.startUp(herId) }
                    group.addTask { await self.register(herId) }
                }
            }
            // Stays up for registrations on demand until shutdown.
            while await stopping.sleep(for: .seconds(3600)) {}
        } onGracefulShutdown: {
            self.stopping.trigger()
        }
    }

    public func isRegistered(_ herId: Int) -> Bool { book.withLock { $0.isRegistered(herId) } }

    public func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait {
        if book.withLock({ $0.need(herId) }) { Task { await self.register(herId) } }
        while true {
            switch book.withLock({ $0.status(herId) }) {
            case .registered?: return .registered
            case .refused(let failure)?: return .refused(failure)
            case .registering?, nil:
                guard await shutdown.sleep(for: pollInterval) else { return .stopped }
            }
        }
    }

    public func registrationLost(_ herId: Int) async {
        guard book.withLock({ $0.lost(herId) }) else { return }
        logger.warning("NHN has no MSH configuration for a HER-id; registering it again", metadata: ["herId": "\(herId)"])
        do {
            try await ledger.forgetRegistration(herId: herId)
        } catch {
            logger.error("the lost registration could not be forgotten in the ledger: \(error)", metadata: ["herId": "\(herId)"])
        }
        Task { await self.register(herId) }
    }

    /// `PUT /mshconfigurations` until it succeeds, is refused for good, or shutdown; success is
    /// remembered in the ledger.
    private func register(_ herId: Int) async {
        var failures = 0
        let metadata: Logger.Metadata = ["herId": "\(herId)"]
        while true {
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
                logger.info("HER-id registered with NHN", metadata: metadata)
                return
            case .failed(.transient(let reason, _, _)):
                failures += 1
                let delay = retry.delay(afterFailures: failures, retryAfter: nil)
                logger.error("HER-id could not be registered; retrying in \(RetryPolicy.describe(delay)): \(reason)", metadata: metadata)
                guard await stopping.sleep(for: .seconds(delay)) else { return }
            case .failed(let failure):
                logger.critical("NHN refused to register the HER-id: \(failure.reason)", metadata: metadata)
                book.withLock { $0.refused(herId, failure) }
                return
            }
        }
    }
}
