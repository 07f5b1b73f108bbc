import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// Carries out what operators asked through the ledger (`release`, `retry --now`, `pause`,
/// `resume`): looks every `interval` (a second) for new requests and for the pause switch, does
/// each request once, logs it, and records the outcome the waiting command prints. Requests made
/// while no daemon ran are done at the next start. Receiving is never paused.
public final class OperatorDesk: Service {
    private let ledger: Ledger
    private let outbox: OutboxService
    private let logger: Logger
    private let interval: Duration

    public init(ledger: Ledger, outbox: OutboxService, logger: Logger, interval: Duration = .seconds(1)) {
        self.ledger = ledger
        self.outbox = outbox
        self.logger = logger
        self.interval = interval
    }

    public func run() async throws {
        applySwitch(initially: true)
        while !Task.isCancelled {
            await handleRequests()
            applySwitch(initially: false)
            do {
                try await cancelWhenGracefulShutdown { [interval] in try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    /// The ledger's switch is the truth (a `pause` survives restarts); the running outbox follows it.
    private func applySwitch(initially: Bool) {
        guard let paused = try? ledger.operatorSwitch(Ledger.sendingPausedSwitch) else { return }
        if paused && !outbox.sending.isPaused {
            outbox.sending.pause()
            logger.warning(initially ? "sending is paused (dropbridge pause); receiving goes on; `dropbridge resume` sends again" : "sending paused by an operator; receiving goes on")
        } else if !paused && outbox.sending.isPaused {
            outbox.sending.resume()
            logger.notice("sending resumed by an operator")
        }
    }

    private func handleRequests() async {
        let pending: [OperatorRequest]
        do {
            pending = try ledger.pendingOperatorRequests()
        } catch {
            logger.error("cannot read operator requests: \(error)")
            return
        }
        for request in pending {
            guard let id = request.id else { continue }
            let lines: [String]
            switch request.action {
            case .release:
                lines = await outbox.release(names: request.names, by: request.requestedBy)
            case .retryNow:
                lines = outbox.retryNow(names: request.names, by: request.requestedBy)
            case .pause, .resume:
                applySwitch(initially: false)
                lines = [outbox.sending.isPaused ? "sending is paused; receiving goes on" : "sending is on"]
            }
            let outcome = lines.joined(separator: "\n")
            logger.notice(
                "operator request done",
                metadata: [
                    "action": "\(request.action.rawValue)", "by": "\(request.requestedBy)",
                    "names": "\(request.names?.joined(separator: ", ") ?? "all")", "outcome": "\(outcome)",
                ])
            do {
                try await ledger.finishOperatorRequest(id: id, outcome: outcome, now: Date().timeIntervalSince1970)
            } catch {
                logger.error("cannot record an operator request's outcome: \(error)")
            }
        }
    }
}
