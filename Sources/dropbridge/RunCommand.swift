import ArgumentParser
import Auth
import Bridge
import DropbridgeCore
import Logging

/// `dropbridge run --config FILE`: the bridge, until SIGTERM/SIGINT.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run", abstract: "Run the bridge until SIGTERM/SIGINT (graceful: in-flight sends finish).")

    @Option(help: "Configuration file (YAML or JSON).")
    var config: String

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "dropbridge")
        let settings = try await loadConfig(config)
        let authorizer = try authorizer(for: settings, file: config)
        let runtime: BridgeRuntime
        do {
            runtime = try BridgeRuntime(config: settings, authorizer: authorizer, logger: logger)
        } catch {
            printError("dropbridge cannot start: \(error)")
            throw ExitCode(ExitStatus.unavailable)
        }
        logger.info("dropbridge started", metadata: ["root": "\(settings.root)", "nhn": "\(settings.nhn.baseURL)"])
        try await runtime.run(logger: logger)
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

/// HelseID with DPoP is not built yet: only a loopback simulator may be used without it.
func authorizer(for config: BridgeConfig, file: String) throws -> any RequestAuthorizer {
    if config.helseID.enabled {
        printError(
            "configuration error: \(file): helseid.enabled: HelseID authentication is not available in this version yet; set helseid.enabled: false to use a loopback simulator")
        throw ExitCode(ExitStatus.config)
    }
    return NoAuthorization()
}
