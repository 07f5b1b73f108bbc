import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging

/// `dropbridge retry NAME… | --all`: failed drops back to the outbox, the XML first and the
/// sidecar last, as a producer would drop them. The old ledger row stays as history under a
/// name no drop can have, so the name is free for the retried drop.
package struct FailedDropRetry {
    package enum Outcome: Sendable, Equatable {
        case movedBack(name: String)
        /// Held in the work area, not failed: `release` is what it needs.
        case held(name: String)
        case notFailed(name: String)
        case error(name: String, reason: String)

        package var isProblem: Bool {
            if case .movedBack = self { return false }
            return true
        }

        package var line: String {
            switch self {
            case .movedBack(let name): "\(name): back in the outbox"
            case .held(let name): "\(name): held in the work area, not failed: fix the cause (dropbridge status says it), then `dropbridge release \(name)`"
            case .notFailed(let name): "\(name): not in failed/"
            case .error(let name, let reason): "\(name): \(reason)"
            }
        }
    }

    let config: BridgeConfig
    let ledger: Ledger
    /// Each drop moved back (or not) is logged with who did it: an operator's action, like
    /// `release` in the daemon's log (this command does it itself, so it logs it itself).
    let logger: Logger

    package init(config: BridgeConfig, ledger: Ledger, logger: Logger = Logger(label: "dropbridge.operator")) {
        self.config = config
        self.ledger = ledger
        self.logger = logger
    }

    /// Names of every failed drop (those with `NAME.error.json`).
    package func failedNames() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: config.folders.failed)) ?? []
        return files.filter { $0.hasSuffix(".error.json") }.map { String($0.dropLast(".error.json".count)) }.sorted()
    }

    package func retry(_ names: [String]) -> [Outcome] {
        let failed = config.folders.failed
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: failed)) ?? [])
        let durable = DurableFiles(config: config)
        var outcomes: [Outcome] = []
        defer { log(outcomes) }
        for name in Set(names).sorted() {
            let parts = [".xml", ".xml.gz", ".apprec.json", ".json"].filter { files.contains(name + $0) }
            guard files.contains(name + ".error.json") || !parts.isEmpty else {
                if (try? ledger.drop(named: name))??.state == .held {
                    outcomes.append(.held(name: name))
                } else {
                    outcomes.append(.notFailed(name: name))
                }
                continue
            }
            do {
                try ledger.releaseName(name)
                for suffix in parts {
                    try durable.move(name + suffix, from: failed, to: config.folders.outbox, as: name + suffix)
                }
                if files.contains(name + ".error.json") {
                    try FileManager.default.removeItem(atPath: failed + "/" + name + ".error.json")
                }
                outcomes.append(.movedBack(name: name))
            } catch {
                outcomes.append(.error(name: name, reason: "\(error)"))
            }
        }
        return outcomes
    }

    private func log(_ outcomes: [Outcome]) {
        let by = OperatorLedger.callerName()
        // What was not done is printed by the command as a problem; only what changed is logged.
        for case .movedBack(let name) in outcomes {
            logger.notice("operator retry: failed drop back in the outbox", metadata: ["action": "retry", "drop": "\(name)", "by": "\(by)"])
        }
    }
}

/// `dropbridge retry --message KEY… | --messages`: quarantined received notifications pending
/// again through the ledger (the running daemon picks them up within seconds); their problem
/// files go (a new one is written if one is quarantined again).
package struct QuarantineRetry {
    package struct Result: Sendable, Equatable {
        /// One line per notification made pending again.
        package var retried: [String]
        /// Keys asked for that are not quarantined.
        package var missing: [String]
    }

    let config: BridgeConfig
    let ledger: Ledger
    let logger: Logger

    package init(config: BridgeConfig, ledger: Ledger, logger: Logger = Logger(label: "dropbridge.operator")) {
        self.config = config
        self.ledger = ledger
        self.logger = logger
    }

    /// `keys` nil: every quarantined notification.
    package func retry(keys: [String]?, now: Double = Date().timeIntervalSince1970) throws -> Result {
        let retried = try ledger.retryQuarantined(keys: keys, now: now)
        let unmatched = config.folders.receipts + "/unmatched/"
        for item in retried {
            try? FileManager.default.removeItem(atPath: unmatched + InboundProblem.fileName(key: item.operatorKey))
        }
        let by = OperatorLedger.callerName()
        for item in retried {
            logger.notice(
                "operator retry: quarantined notification pending again",
                metadata: ["action": "retry-message", "key": "\(item.operatorKey)", "offset": "\(item.offset)", "by": "\(by)"])
        }
        let found = Set(retried.map(\.operatorKey))
        return Result(
            retried: retried.map { "\($0.operatorKey): pending again (offset \($0.offset), \($0.type))" },
            missing: (keys ?? []).filter { !found.contains($0) })
    }
}
