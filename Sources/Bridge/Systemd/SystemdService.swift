import Foundation
import Ledger
import Logging
import ServiceLifecycle
import UnixSignals

/// dropbridge under systemd (`Type=notify`): `READY=1` once start-up checks passed and the
/// services run, `WATCHDOG=1` at half of `WatchdogSec` while the ledger answers (a wedged
/// process is restarted), `STOPPING=1` when graceful shutdown begins. SIGHUP is logged and
/// otherwise ignored (the configuration is read only at start). Without `NOTIFY_SOCKET` it only
/// does the SIGHUP part.
public struct SystemdService: Service {
    let notifier: SystemdNotifier
    let watchdog: Duration?
    let ledger: Ledger
    let logger: Logger

    public init(notifier: SystemdNotifier, watchdog: Duration?, ledger: Ledger, logger: Logger) {
        self.notifier = notifier
        self.watchdog = watchdog
        self.ledger = ledger
        self.logger = logger
    }

    public func run() async throws {
        let hangups = await UnixSignalsSequence(trapping: .sighup)
        send("READY=1\nSTATUS=sending and receiving\nMAINPID=\(getpid())")
        await withGracefulShutdownHandler {
            await withDiscardingTaskGroup { group in
                group.addTask {
                    for await _ in hangups.cancelOnGracefulShutdown() {
                        logger.notice("SIGHUP ignored: the configuration is read only at start; restart dropbridge to apply a change")
                    }
                }
                if let watchdog, notifier.isEnabled {
                    group.addTask { await pingWatchdog(every: watchdog / 2) }
                }
            }
        } onGracefulShutdown: {
            send("STOPPING=1\nSTATUS=stopping: sends in flight finish")
        }
    }

    private func pingWatchdog(every interval: Duration) async {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            // Only a process whose ledger still answers is alive in the sense that matters.
            if (try? ledger.operatorSwitch(Ledger.sendingPausedSwitch)) != nil {
                send("WATCHDOG=1")
            } else {
                logger.error("the ledger does not answer: the systemd watchdog is not fed")
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return
            }
        }
    }

    private func send(_ state: String) {
        do {
            try notifier.notify(state)
        } catch {
            logger.warning("\(error)")
        }
    }
}
