import DropbridgeCore
import Foundation
import Ledger
import Logging
import Synchronization

/// What an operator may ask of a running outbox: held drops back to work, drops in backoff tried
/// at once, sending paused and resumed. Each answer is one line per drop, for the log and for
/// the command that asked.
extension OutboxService {
    package var sending: SendingSwitch { pipeline.sending }

    /// Held drops back to work (`names` nil: every held drop). A drop is started only if no
    /// task runs it already, so a release can never send a drop twice at once.
    /// What a drop that is not held needs instead of `release`.
    static func releaseHint(_ state: DropState?, _ name: String) -> String {
        switch state {
        case .failed: ": `dropbridge retry \(name)` moves it back to the outbox"
        case .claimed, .validated, .sending: ": it is tried again by itself; `dropbridge retry --now \(name)` tries it at once"
        default: ""
        }
    }

    package func release(names: [String]?, by user: String) async -> [String] {
        let held: [DropRecord]
        do {
            held = try ledger.heldDrops()
        } catch {
            return ["cannot read the ledger: \(error)"]
        }
        var lines: [String] = []
        let heldByName = Dictionary(held.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for name in names ?? held.map(\.name) {
            guard let drop = heldByName[name], let id = drop.id else {
                let state = (try? ledger.drop(named: name))??.state
                lines.append("\(name): not held\(state.map { " (\($0.rawValue))" } ?? " (no such drop)")\(Self.releaseHint(state, name))")
                continue
            }
            guard running.begin(id) else {
                lines.append("\(name): already being worked on")
                continue
            }
            do {
                let reason = drop.lastError ?? "no reason recorded"
                let released = try await ledger.update(id: id, now: Timestamp.now()) { row in
                    row.state = .validated
                    row.nextAttemptAt = nil
                    row.lastError = "released by \(user) (was held: \(reason))"
                }
                restarts.add(released)
                lines.append("\(name): released, sending again")
                logger.notice("held drop released by an operator", metadata: released.logMetadata.merging(["by": "\(user)"]) { $1 })
            } catch {
                running.end(id)
                lines.append("\(name): cannot be released: \(error)")
            }
        }
        if names == nil && held.isEmpty { lines.append("no drop is held") }
        wakeUp()
        return lines
    }

    /// Drops sleeping in backoff tried at once (`names` nil: every one). A drop waiting for NHN's
    /// proof that an earlier send arrived is not sent early: that could send it twice.
    package func retryNow(names: [String]?, by user: String) -> [String] {
        guard let names else {
            let woken = pipeline.nudges.nudge(nil)
            let lines = woken.map { id in "\((try? ledger.drop(id: id))??.name ?? "d\(id)"): trying again now" }
            if !woken.isEmpty { logger.notice("drops in backoff tried at once by an operator", metadata: ["count": "\(woken.count)", "by": "\(user)"]) }
            return lines.isEmpty ? ["no drop is waiting in backoff"] : lines
        }
        var lines: [String] = []
        for name in names {
            guard let drop = (try? ledger.drop(named: name)) ?? nil, let id = drop.id else {
                lines.append("\(name): no such drop")
                continue
            }
            if !pipeline.nudges.nudge([id]).isEmpty {
                lines.append("\(name): trying again now")
                logger.notice("drop in backoff tried at once by an operator", metadata: drop.logMetadata.merging(["by": "\(user)"]) { $1 })
                continue
            }
            switch drop.state {
            case .held: lines.append("\(name): held, not in backoff: `dropbridge release \(name)`")
            case .uncertain:
                lines.append("\(name): waits for NHN's proof that an earlier send arrived; not sent early (it could arrive twice)")
            case .accepted, .failed: lines.append("\(name): already answered (\(drop.state.rawValue))")
            default: lines.append("\(name): not waiting in backoff (\(drop.state.rawValue))")
            }
        }
        return lines
    }
}

/// Drop ids with a task running them.
final class RunningDrops: Sendable {
    private let ids = Mutex<Set<Int64>>([])

    /// False when a task runs the drop already.
    func begin(_ id: Int64?) -> Bool {
        guard let id else { return true }
        return ids.withLock { $0.insert(id).inserted }
    }

    func end(_ id: Int64?) {
        guard let id else { return }
        _ = ids.withLock { $0.remove(id) }
    }
}

/// Released drops handed to the outbox loop, which starts them.
final class PendingRestarts: Sendable {
    private let drops = Mutex<[DropRecord]>([])

    func add(_ drop: DropRecord) {
        drops.withLock { $0.append(drop) }
    }

    func drain() -> [DropRecord] {
        drops.withLock { drops in
            defer { drops.removeAll() }
            return drops
        }
    }
}

extension OutboxService {
    /// The loop looks at released drops (and the outbox) at once.
    func wakeUp() { wakeups.signal() }
}
