import DropFolder
import Foundation
import Ledger
import Logging
import ServiceLifecycle

/// Carries out what operators asked through the ledger (`release`, `retry --now`, `pause`,
/// `resume`): looks for new requests and for the pause switch when the command rings the
/// request bell (`StateLayout.requestBell`, watched with inotify), and otherwise only every
/// `fallbackInterval` (30 s; every second when inotify cannot watch the bell), does each
/// request once, logs it, and records the outcome the waiting command prints. Requests made
/// while no daemon ran are done at the next start. Receiving is never paused.
package final class OperatorDesk: Service {
    private let ledger: Ledger
    private let outbox: OutboxService
    private let logger: Logger
    private let bellPath: String?
    private let fallbackInterval: Duration

    /// `bell`: the request bell's path (nil: none, look every `fallbackInterval`).
    package init(
        ledger: Ledger, outbox: OutboxService, logger: Logger, bell: String? = nil, fallbackInterval: Duration = .seconds(30)
    ) {
        self.ledger = ledger
        self.outbox = outbox
        self.logger = logger
        bellPath = bell
        self.fallbackInterval = fallbackInterval
    }

    package func run() async throws {
        let rung = ChangeSignal()
        let bell = bellPath.map { RequestBell(path: $0) { rung.changed() } }
        defer { bell?.cancel() }
        // Without a bell to hear, a request waits at most a second, as before the bell.
        let interval = bell?.isWatching == true ? fallbackInterval : min(fallbackInterval, .seconds(1))
        if let bellPath, bell?.isWatching != true {
            logger.warning("operator requests are looked for every second: inotify cannot watch \(bellPath)")
        }
        let stop = ShutdownSignal()
        applySwitch(initially: true)
        await withTaskCancellationOrGracefulShutdownHandler {
            repeat {
                // Read before looking: a ring while this round runs makes the next one start at once.
                let seen = rung.generation
                await handleRequests()
                applySwitch(initially: false)
                guard await stop.sleep(for: interval, orUntil: rung, changesAfter: seen) else { return }
            } while true
        } onCancelOrGracefulShutdown: {
            stop.trigger()
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
