import DropFolder
import DropbridgeCore
import Foundation
import Ledger

/// The command side of `release`, `retry --now`, `pause` and `resume`: the request goes into the
/// ledger and the request bell is rung; a running daemon does it at once, and the command waits (with a
/// deadline) for what it did. Without a daemon the request waits for the next start; `pause`
/// and `resume` take effect in the ledger at once either way.
package struct OperatorQueue {
    package enum Answer: Sendable, Equatable {
        /// The daemon did it: one line per drop.
        case done([String])
        /// No daemon holds the root: recorded, done at its next start.
        case queued(String)
        /// A daemon runs but did not answer in time (it may still do it).
        case noAnswer(String)
    }

    let config: BridgeConfig
    let ledger: Ledger
    /// How long to wait for a running daemon.
    package var deadline: Duration = .seconds(15)

    package init(config: BridgeConfig, ledger: Ledger) {
        self.config = config
        self.ledger = ledger
    }

    package func submit(_ action: OperatorRequest.Action, names: [String]?) async throws -> Answer {
        let now = Date().timeIntervalSince1970
        switch action {
        case .pause: try await ledger.setOperatorSwitch(Ledger.sendingPausedSwitch, on: true, now: now)
        case .resume: try await ledger.setOperatorSwitch(Ledger.sendingPausedSwitch, on: false, now: now)
        case .release, .retryNow: break
        }
        let request = try ledger.addOperatorRequest(
            OperatorRequest(action: action, names: names, requestedAt: now, requestedBy: OperatorLedger.callerName()))
        // Committed first: the daemon woken by the bell finds the request.
        RequestBell.ring(config.state.requestBell)
        guard LockProbe.probe(config.state.lock).holder == .running else {
            return .queued(Self.queuedLine(action))
        }
        let clock = ContinuousClock()
        let end = clock.now + deadline
        while clock.now < end {
            if let id = request.id, let done = try ledger.operatorRequest(id: id), done.doneAt != nil {
                return .done((done.outcome ?? "").split(separator: "\n").map(String.init))
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        return .noAnswer("the running dropbridge did not answer within \(deadline.components.seconds) s; it does the request when it can (see its log)")
    }

    static func queuedLine(_ action: OperatorRequest.Action) -> String {
        switch action {
        case .pause: "no dropbridge is running: sending stays paused from its next start"
        case .resume: "no dropbridge is running: it sends from its next start"
        case .release: "no dropbridge is running: held drops are tried again at its next start"
        case .retryNow: "no dropbridge is running: waiting drops are tried at its next start"
        }
    }
}
