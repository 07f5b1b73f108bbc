import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import ServiceLifecycle
import Synchronization

/// The outbox side of the bridge, as one long-running `Service`:
///
/// 1. at start, resume every drop the ledger or the work area still holds;
/// 2. then, on each wake-up (inotify, or the timer: settle window, `outbox.rescanSeconds`), scan
///    the outbox, let the `PairingTracker` decide, claim what is decided into the work area, and
///    hand each claimed drop to a `DropPipeline` running on its own.
///
/// Graceful shutdown stops claiming and lets sends in flight get their answers; everything else
/// stays claimed and is resumed by the next start.
package final class OutboxService: Service {
    private let config: BridgeConfig
    let ledger: Ledger
    private let claims: ClaimDesk
    let pipeline: DropPipeline
    private let shutdown: ShutdownSignal
    let wakeups: Wakeups
    /// Names whose claim found the files gone: the tracker may decide them again.
    private let vanished = VanishedNames()
    let logger: Logger
    private let progress: OutboxProgress?
    private let io: BlockingIO
    /// Drops with a task running them: an operator's `release` starts only the others.
    let running = RunningDrops()
    /// Released drops for the loop to start.
    let restarts = PendingRestarts()
    /// Drops claimed by the loop and not finished (`claimWindow`).
    let inFlight: ClaimedInFlight

    package init(
        config: BridgeConfig, ledger: Ledger, claims: ClaimDesk, pipeline: DropPipeline,
        io: BlockingIO, logger: Logger, progress: OutboxProgress? = nil
    ) {
        self.io = io
        self.config = config
        self.ledger = ledger
        self.claims = claims
        self.pipeline = pipeline
        self.shutdown = pipeline.shutdown
        self.logger = logger
        self.progress = progress
        let wakeups = Wakeups()
        self.wakeups = wakeups
        inFlight = ClaimedInFlight(limit: Self.claimWindow, wakeups: wakeups)
    }

    package func run() async throws {
        let watcher = try OutboxWatcher(
            directory: config.folders.outbox, mode: config.outbox.inotify,
            pollInterval: .milliseconds(Int64(config.outbox.rescanSeconds * 1000)),
            // A lone drop is looked at 1 ms after its last rename (a pair renamed in together
            // lands in one scan, and no drop waits for a batch that is not coming); a burst
            // still costs one scan per 50 ms at most.
            quiet: .milliseconds(1), maxDelay: .milliseconds(50),
            logger: logger)
        logger.info("watching the outbox", metadata: ["folder": "\(config.folders.outbox)", "method": "\(watcher.method)"])
        let wakeups = self.wakeups
        let forwarder = Task {
            for await wake in watcher.wakeUps {
                switch wake {
                case .changed(_, let renamedIn): wakeups.signal(renamedIn: renamedIn)
                case .overflow: wakeups.signal(overflow: true)
                case .folderGone: wakeups.signal()
                case .tick: wakeups.signal()
                }
            }
        }
        defer {
            watcher.cancel()
            forwarder.cancel()
        }

        // Graceful shutdown and cancellation both stop claiming; only cancellation also
        // abandons sends in flight (their drops stay claimed and are resumed at the next start).
        await withTaskCancellationHandler {
            await withGracefulShutdownHandler {
                await withDiscardingTaskGroup { group in
                    let resumed = await recover().filter { running.begin($0.id) }
                    if !resumed.isEmpty {
                        group.addTask {
                            await withDiscardingTaskGroup { drops in
                                for drop in resumed { drops.addTask { await self.finish(drop) } }
                            }
                            await self.claims.removeSpentBatches()
                        }
                    }
                    await watch(group: &group, watcher: watcher)
                }
            } onGracefulShutdown: {
                self.stopClaiming()
            }
        } onCancel: {
            self.stopClaiming()
        }
        logger.info("outbox stopped")
    }

    /// `NAME.XML` or `NAME.Json` are not drops (the contract's endings are lower case) and stay
    /// in the outbox untouched; say so once per file, so an operator knows why nothing happens.
    private func warnAboutLookalikes(_ entries: [OutboxEntry], warned: inout Set<[UInt8]>) {
        for entry in entries where entry.classification == .notOurs && !warned.contains(entry.rawName) {
            let lowered = entry.displayName.lowercased()
            guard [".xml", ".xml.gz", ".json"].contains(where: { lowered.hasSuffix($0) }) else { continue }
            warned.insert(entry.rawName)
            logger.warning(
                "a file in the outbox is not a drop: its ending must be lower case (.xml, .xml.gz, .json); it is left alone",
                metadata: ["file": "\(DropName(bytes: entry.rawName).safe)"])
        }
    }

    /// Stops claiming; no new send starts (sends in flight get their answers). Also called by
    /// `StopTogether` as soon as the bridge is told to stop.
    package func stopClaiming() {
        shutdown.trigger()
        wakeups.signal()
    }

    /// Drops the ledger and the work area hold from before: each is resumed exactly once.
    private func recover() async -> [DropRecord] {
        do {
            return try await claims.recover()
        } catch {
            logger.critical("the work area could not be recovered: \(error)")
            return []
        }
    }

    private func watch(group: inout DiscardingTaskGroup, watcher: OutboxWatcher) async {
        var tracker = PairingTracker(policy: PairingPolicy(config.outbox))
        let scanner = OutboxScanner(directory: config.folders.outbox)
        let rescan = Duration.milliseconds(Int64(config.outbox.rescanSeconds * 1000))
        // The shortest wait between scans while something is settling.
        let settle = Duration.milliseconds(max(20, config.outbox.settleMilliseconds / 4))
        var lastError: String?
        var lookalikesWarned = Set<[UInt8]>()
        var queue = ClaimQueue(limit: Self.claimWindow, capacity: Self.claimWindow * 64)
        while !shutdown.isTriggered {
            let now = ContinuousClock.now
            let entries: [OutboxEntry]
            do {
                // Off the cooperative pool: a listing can stall on a slow or network disk.
                entries = try await io.run { try scanner.scan() }
                lastError = nil
            } catch {
                let message = "\(error)"
                if message != lastError { logger.error("cannot list the outbox: \(message)") }
                lastError = message
                _ = await wakeups.wait(timeout: rescan)
                continue
            }
            warnAboutLookalikes(entries, warned: &lookalikesWarned)
            for name in vanished.drain() { tracker.forget(name) }
            for drop in restarts.drain() {
                group.addTask { await self.finish(drop) }
            }
            // One scan's decisions are claimed in batches (one manifest, one ledger transaction,
            // one fsync per folder each), and each claimed drop then runs in a task of its own,
            // so a burst's first drops are sent while its last ones are still being claimed.
            // With a backlog, only a window of them is claimed at a time (`ClaimQueue`).
            tracker.beingWritten = watcher.namesBeingWritten
            for refused in queue.add(tracker.observe(entries, now: now)) { tracker.forget(refused.name) }
            let decisions = queue.take(inFlight: inFlight.value)
            inFlight.add(decisions.count)
            for start in stride(from: 0, to: decisions.count, by: Self.claimBatchSize) {
                let batch = Array(decisions[start..<min(start + Self.claimBatchSize, decisions.count)])
                group.addTask { await self.claimAndRun(batch) }
            }
            // Sleep until the tracker's next settle or orphan deadline, or the periodic rescan.
            var timeout = rescan
            if let next = tracker.nextDecisionTime {
                timeout = min(rescan, max(next - ContinuousClock.now, settle))
            }
            let wake = await wakeups.wait(timeout: timeout)
            if !wake.renamedIn.isEmpty { tracker.noteArrivedByRename(wake.renamedIn, now: ContinuousClock.now) }
            if wake.overflow { logger.warning("inotify queue overflowed: rescanning the outbox") }
        }
    }

    /// The most drops claimed together (one manifest, one ledger transaction).
    static let claimBatchSize = 64
    /// The most drops claimed and not finished: eight batches, enough to keep the 32 sends
    /// at once busy; a larger backlog waits in the outbox as decisions.
    static let claimWindow = 512

    private func claimAndRun(_ batch: [PairingDecision]) async {
        let outcomes = await claims.claim(batch)
        await withDiscardingTaskGroup { drops in
            for (decision, outcome) in zip(batch, outcomes) {
                switch outcome {
                case .claimed(let drop):
                    guard running.begin(drop.id) else {
                        inFlight.finished()
                        continue
                    }
                    drops.addTask {
                        await self.finish(drop)
                        self.inFlight.finished()
                    }
                case .vanished:
                    vanished.add(decision.name)
                    inFlight.finished()
                }
            }
        }
        // The batch's manifest is spent once none of its drops is claimed any more (a held
        // drop keeps it): removed now, so an idle work area is empty.
        await claims.removeSpentBatches()
    }

    /// Runs a drop to its end (`running.begin` was called for it). When the disk or the ledger
    /// fails under it (disk full, I/O error), it stays claimed and is tried again after a pause,
    /// for as long as we run.
    private func finish(_ start: DropRecord) async {
        defer { running.end(start.id) }
        var drop = start
        var pause = Duration.seconds(5)
        while true {
            let ending = await pipeline.run(drop)
            guard ending == .interrupted, !shutdown.isTriggered else {
                await progress?.finished(drop.name, ending)
                return
            }
            guard await shutdown.sleep(for: pause) else { return }
            pause = min(pause * 2, .seconds(300))
            if let id = drop.id, let current = try? ledger.drop(id: id) { drop = current }
        }
    }
}

/// Counts how drops ended, so the benchmark can wait on it without listing folders.
package actor OutboxProgress {
    private var counts: [DropPipeline.Ending: Int] = [:]

    package init() {}

    func finished(_ name: String, _ ending: DropPipeline.Ending) {
        counts[ending, default: 0] += 1
    }

    /// How many drops ended so, since the start.
    package func count(_ ending: DropPipeline.Ending) -> Int { counts[ending] ?? 0 }
}

/// Hands names from claim tasks back to the scanning loop.
final class VanishedNames: Sendable {
    private let names = Mutex<[DropName]>([])

    func add(_ name: DropName) {
        names.withLock { $0.append(name) }
    }

    func drain() -> [DropName] {
        names.withLock { names in
            defer { names.removeAll() }
            return names
        }
    }
}
