import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Logging

/// `dropbridge check --config FILE`: everything `run` needs, checked without sending anything,
/// one line per check (like `nginx -t`). Exit 0 only if no line failed.
package enum ConfigCheck {
    package static func run(
        file: String, environment: [String: String] = ProcessInfo.processInfo.environment,
        logger: Logger = Logger(label: "dropbridge.check")
    ) async -> [CheckLine] {
        var lines: [CheckLine] = []
        let config: BridgeConfig
        do {
            config = try await ConfigLoader.load(file: file, environment: environment)
            lines.append(.ok("config", "\(file) (root \(config.root))"))
        } catch {
            return [.fail("config", "\(error)")]
        }
        lines.append(ConfigEnvironment.ignored(in: environment).map { .fail("environment", $0) }
            ?? .ok("environment", "no DROPBRIDGE_* variable outside the known keys"))
        lines += FolderChecks.all(config)
        lines.append(ledger(config))
        lines.append(ServiceChecks.schemas(config))
        let credentials: Credentials
        do {
            credentials = try await Credentials.load(config, file: file)
            var keys: [String] = []
            if config.helseID.enabled { keys.append("helseid \(config.helseID.privateKeyFile)") }
            if config.altinn.enabled { keys.append("maskinporten \(config.altinn.maskinporten.privateKeyFile)") }
            lines.append(keys.isEmpty ? .skip("keys", "no key needed (helseid and altinn disabled)") : .ok("keys", keys.joined(separator: ", ") + ": present, owner-only"))
        } catch {
            lines.append(.fail("keys", "\(error)"))
            return lines
        }
        lines += await ServiceChecks.remote(config, credentials: credentials, logger: logger)
        return lines
    }

    static func ledger(_ config: BridgeConfig) -> CheckLine {
        let path = StatusReporter.ledgerPath(config)
        do {
            let ledger = try Ledger.openReadOnly(path: path)
            let summary = try ledger.summary()
            return .ok("ledger", "\(path) readable: \(summary.byState.values.reduce(0, +)) drop(s), \(summary.unfinished) unfinished")
        } catch Ledger.ReadOnlyError.missing {
            return .ok("ledger", "\(path) does not exist yet; `run` creates it")
        } catch {
            return .fail("ledger", "\(error)")
        }
    }
}
