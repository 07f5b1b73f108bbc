import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger

/// `dropbridge retry NAME… | --all`: failed drops back to the outbox, the XML first and the
/// sidecar last, as a producer would drop them. The old ledger row stays as history under a
/// name no drop can have, so the name is free for the retried drop.
public struct FailedDropRetry {
    public enum Outcome: Sendable, Equatable {
        case movedBack(name: String)
        /// Held in the work area, not failed: `release` is what it needs.
        case held(name: String)
        case notFailed(name: String)
        case error(name: String, reason: String)

        public var isProblem: Bool {
            if case .movedBack = self { return false }
            return true
        }

        public var line: String {
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

    public init(config: BridgeConfig, ledger: Ledger) {
        self.config = config
        self.ledger = ledger
    }

    /// Names of every failed drop (those with `NAME.error.json`).
    public func failedNames() -> [String] {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: config.folders.failed)) ?? []
        return files.filter { $0.hasSuffix(".error.json") }.map { String($0.dropLast(".error.json".count)) }.sorted()
    }

    public func retry(_ names: [String]) -> [Outcome] {
        let failed = config.folders.failed
        let files = Set((try? FileManager.default.contentsOfDirectory(atPath: failed)) ?? [])
        let durable = DurableFiles(config: config)
        var outcomes: [Outcome] = []
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
}

/// `dropbridge retry --message KEY… | --messages`: quarantined received notifications pending
/// again through the ledger (the running daemon picks them up within seconds); their problem
/// files go (a new one is written if one is quarantined again).
public struct QuarantineRetry {
    public struct Result: Sendable, Equatable {
        /// One line per notification made pending again.
        public var retried: [String]
        /// Keys asked for that are not quarantined.
        public var missing: [String]
    }

    let config: BridgeConfig
    let ledger: Ledger

    public init(config: BridgeConfig, ledger: Ledger) {
        self.config = config
        self.ledger = ledger
    }

    /// `keys` nil: every quarantined notification.
    public func retry(keys: [String]?, now: Double = Date().timeIntervalSince1970) throws -> Result {
        let retried = try ledger.retryQuarantined(keys: keys, now: now)
        let unmatched = config.folders.receipts + "/unmatched/"
        for item in retried {
            try? FileManager.default.removeItem(atPath: unmatched + InboundProblem.fileName(key: item.operatorKey))
        }
        let found = Set(retried.map(\.operatorKey))
        return Result(
            retried: retried.map { "\($0.operatorKey): pending again (offset \($0.offset), \($0.type))" },
            missing: (keys ?? []).filter { !found.contains($0) })
    }
}
