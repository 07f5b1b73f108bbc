import ArgumentParser
import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Monitoring
import Operations
import ServiceLifecycle

/// `dropbridge run --config FILE`: the bridge, until SIGTERM/SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the bridge until SIGTERM/SIGINT (graceful: in-flight sends finish).")

    @OptionGroup var options: ConfigOption

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @OptionGroup var log: LogOptions

    func run() async throws {
        // Until the SIGHUP service traps it: a hangup never kills the daemon.
        signal(SIGHUP, SIG_IGN)
        LogSetup.bootstrap(level: logLevel, format: log.logFormat)
        let logger = Logger(label: "dropbridge")
        let settings = try await loadConfig(options.config)
        // A misspelt override would otherwise be silently ignored (`check` fails on it).
        if let ignored = ConfigEnvironment.ignored(in: ProcessInfo.processInfo.environment) { logger.warning("\(ignored)") }
        let credentials = try await loadCredentials(settings, file: options.config)
        let runtime: BridgeRuntime
        let metrics = PrometheusMetrics()
        do {
            runtime = try BridgeRuntime(config: settings, credentials: credentials, logger: logger, metrics: metrics)
        } catch {
            printError("dropbridge cannot start: \(error)")
            throw ExitCode(ExitStatus.unavailable)
        }
        logger.info("dropbridge started", metadata: ["root": "\(settings.root)", "nhn": "\(settings.nhn.baseURL)"])
        let monitoring = MonitoringServer.forBridge(
            config: settings, ledger: runtime.ledger, metrics: metrics, logger: Logger(label: "dropbridge.monitoring"))
        try await runtime.run(logger: logger, companions: monitoring.map { [$0] } ?? [])
    }
}

/// Loads a configuration or exits 78 naming the key and the file.
func loadConfig(_ file: String) async throws -> BridgeConfig {
    do {
        return try await ConfigLoader.load(file: file)
    } catch {
        printError("configuration error: \(error)")
        throw ExitCode(ExitStatus.config)
    }
}

/// Loads the keys the configuration names or exits 78 naming the key and the file.
func loadCredentials(_ config: BridgeConfig, file: String) async throws -> Credentials {
    do {
        return try await Credentials.load(config, file: file)
    } catch {
        printError("configuration error: \(error)")
        throw ExitCode(ExitStatus.config)
    }
}

/// The ledger for a command that changes it, or exit 77 (another owner) / 69 (none, unusable).
func openOperatorLedger(_ config: BridgeConfig) throws -> Ledger {
    do {
        return try OperatorLedger.open(config)
    } catch let error as OperatorLedger.OpenError {
        printError("\(error)")
        if case .otherOwner = error { throw ExitCode(ExitStatus.noPermission) }
        throw ExitCode(ExitStatus.unavailable)
    }
}
