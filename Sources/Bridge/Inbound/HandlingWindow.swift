import Logging
import NHNClient
import Synchronization

/// Up to `limit` notifications handled at once, in order as far as it matters: those about the
/// same message one after another (a status file is read, changed and written back), and the
/// offset saved only past the oldest once it is done, so a crash handles again at most the
/// ones that were in flight (which the handler makes harmless).
///
/// Each notification is retried inside its own task until it has its effect (a moment's wait
/// for our own send, backoff for trouble with NHN or the disk) or shutdown comes: one stuck
/// notification holds the offset, not the others, and the window's limit holds the stream.
struct HandlingWindow {
    static let limit = 8

    private struct InFlight {
        var offset: Int64
        var key: String
        var done: DoneFlag
        var task: Task<Void, any Error>
    }

    /// Set by a handling task as it ends, so finished ones can be saved without waiting.
    private final class DoneFlag: Sendable {
        private let state = Mutex(false)
        func set() { state.withLock { $0 = true } }
        var isSet: Bool { state.withLock { $0 } }
    }

    private let handler: NotificationHandler
    private let shutdown: ShutdownSignal
    private let logger: Logger
    private let backoff: RetryPolicy
    /// Oldest first.
    private var inFlight: [InFlight] = []
    /// Everything up to this offset is handled and saved.
    private(set) var committed: Int64
    /// The highest offset taken in: offsets must arrive ascending.
    private var lastSubmitted: Int64 = 0
    /// How long a notification about a message we do not know waits for our own sends in
    /// flight before it is filed as unmatched.
    static let patienceForOwnSends: Duration = .seconds(30)

    init(committed: Int64, handler: NotificationHandler, shutdown: ShutdownSignal, backoff: RetryPolicy, logger: Logger) {
        self.committed = committed
        self.backoff = backoff
        self.handler = handler
        self.shutdown = shutdown
        self.logger = logger
    }

    /// Starts handling `notification` once there is room and nothing about the same message is
    /// in flight (waiting for the oldest meanwhile).
    mutating func submit(_ notification: NHNNotification, commit: (Int64) async throws -> Void) async throws {
        guard notification.offset > committed, !inFlight.contains(where: { $0.offset == notification.offset }) else { return }
        // Saving in arrival order is right only for ascending offsets: anything else is a
        // broken stream, read again from the saved offset.
        guard notification.offset > lastSubmitted else {
            throw InboundTrouble(description: "notification \(notification.offset) arrived after \(lastSubmitted); reading again from \(committed)")
        }
        lastSubmitted = notification.offset
        let key = notification.relatedMessageId.map { "message " + $0 } ?? "offset \(notification.offset)"
        while inFlight.count >= Self.limit || inFlight.contains(where: { $0.key == key }) {
            try await finishOldest(commit: commit)
        }
        let done = DoneFlag()
        let (handler, shutdown, logger, backoff) = (self.handler, self.shutdown, self.logger, self.backoff)
        let task = Task {
            defer { done.set() }
            var failures = 0
            let patientUntil = ContinuousClock.now + Self.patienceForOwnSends
            while true {
                let wait: Double
                do {
                    try await handler.handle(notification, waitForOwnSends: ContinuousClock.now < patientUntil)
                    return
                } catch let trouble as InboundTrouble where trouble.retrySoon {
                    wait = 0.2
                } catch {
                    failures += 1
                    wait = backoff.delay(afterFailures: failures, retryAfter: nil)
                    logger.warning(
                        "notification not handled yet, retrying in \(RetryPolicy.describe(wait)): \(error)",
                        metadata: ["offset": "\(notification.offset)", "type": "\(notification.type)"])
                }
                guard await shutdown.sleep(for: .seconds(wait)) else { throw CancellationError() }
            }
        }
        inFlight.append(InFlight(offset: notification.offset, key: key, done: done, task: task))
    }

    /// Saves the offset past every finished notification at the front, without waiting.
    mutating func saveFinished(commit: (Int64) async throws -> Void) async throws {
        while let oldest = inFlight.first, oldest.done.isSet {
            try await finishOldest(commit: commit)
        }
    }

    /// Waits for everything in flight, saving the offset as it goes.
    mutating func drain(commit: (Int64) async throws -> Void) async throws {
        while !inFlight.isEmpty { try await finishOldest(commit: commit) }
    }

    /// On any failure every task still in flight is waited for before the error is thrown, so
    /// none runs on beside the next window (two handlings of one message at once could both
    /// answer it); they are handled again from the saved offset.
    private mutating func finishOldest(commit: (Int64) async throws -> Void) async throws {
        let oldest = inFlight.removeFirst()
        do {
            // Only shutdown ends a handling unfinished.
            try await oldest.task.value
            try await commit(oldest.offset)
        } catch {
            for rest in inFlight { _ = try? await rest.task.value }
            inFlight.removeAll()
            throw error
        }
        committed = oldest.offset
    }
}
