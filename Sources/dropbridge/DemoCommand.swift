import ArgumentParser
import Bridge
import Demo
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Monitoring
import Operations
import ServiceLifecycle
import Simulator

/// `dropbridge demo`: the simulator and the bridge on loopback in `./demo`, seeded with the
/// project's sample drops; prints what moved where.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the simulator and the bridge in DIR with the sample drops; print what moved where.")

    @Option(help: "Folder to run in (created if missing).")
    var dir: String = "demo"

    @Option(help: "Stop after this many seconds (default: run until Ctrl-C).")
    var seconds: Double?

    @Option(help: "The project's samples folder (default: found beside the project).")
    var samples: String?

    @Option(help: "Log level of the bridge's own log (on standard error).")
    var logLevel: Logger.Level = .warning

    @Option(help: "HOST:PORT for /metrics, /livez, /readyz and the status page (empty: off).")
    var metricsListen: String = "127.0.0.1:9464"

    @Option(help: "Stop the simulator after this many seconds (the bridge goes on: watch /readyz turn 503).")
    var stopSimulatorAfter: Double?

    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: logLevel, format: log.logFormat)
        let logger = Logger(label: "dropbridge")
        let root = URL(fileURLWithPath: dir).standardizedFileURL.path
        let samplesDirectory: String
        do {
            samplesDirectory = try DemoSetup.samplesDirectory(given: samples)
        } catch {
            printError("\(error)")
            throw ExitCode(ExitStatus.unavailable)
        }

        let simulator = NHNSimulator(
            settings: SimulatorSettings(
                ownHerIds: Set(DemoSetup.ownHerIds), counterpartyHerIds: Set(DemoSetup.counterpartyHerIds)),
            logger: Logger(label: "dropbridge.simulator"))
        let port = try await simulator.start()

        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        _ = try DemoSetup.helseIDKey(root: root)
        _ = try DemoSetup.maskinportenKey(root: root)
        let configFile = root + "/dropbridge.yaml"
        try DemoSetup.configYAML(root: root, port: port, metricsListen: metricsListen).write(toFile: configFile, atomically: true, encoding: .utf8)
        try DemoSeeder.copySchemas(from: samplesDirectory + "/schemas", to: root + "/schemas")
        let settings = try await loadConfig(configFile)
        let credentials = try await loadCredentials(settings, file: configFile)
        if let helseID = credentials.helseID {
            // As an operator registers the public key in HelseID's portal.
            await simulator.register(
                RegisteredClient(clientID: helseID.settings.clientID, publicKey: helseID.key.publicJWK, keyID: helseID.key.keyID))
        }
        if let maskinporten = credentials.maskinporten {
            // As an operator uploads the public key for the Maskinporten client at Digdir.
            await simulator.register(
                RegisteredClient(
                    clientID: maskinporten.settings.clientID, publicKey: maskinporten.key.publicJWK, keyID: maskinporten.key.keyID))
        }
        let runtime: BridgeRuntime
        let metrics = PrometheusMetrics()
        do {
            runtime = try BridgeRuntime(config: settings, credentials: credentials, logger: logger, metrics: metrics)
        } catch let exit as ExitCode {
            throw exit
        } catch {
            printError("dropbridge cannot start: \(error)")
            throw ExitCode(ExitStatus.unavailable)
        }

        print("dropbridge demo in \(root)")
        print("  simulator (NHN EDI 2.0 v3 + HelseID) on http://127.0.0.1:\(port) — inspect it at /_sim/messages and /_sim/auth")
        print("  HelseID client \(DemoSetup.clientID) with key \(root)/keys/helseid.jwk (private_key_jwt + DPoP)")
        print("  Altinn Correspondence (resource \(DemoSetup.altinnResource)) via Maskinporten client \(DemoSetup.maskinportenClientID) — inspect it at /_sim/altinn/correspondences")
        print("  config written to \(configFile)")
        var companions: [any Service] = []
        if let monitoring = MonitoringServer.forBridge(
            config: settings, ledger: runtime.ledger, metrics: metrics, logger: Logger(label: "dropbridge.monitoring"))
        {
            let base = "http://\(settings.metricsListen)"
            print("  status page \(base)/  metrics \(base)/metrics  health \(base)/livez and \(base)/readyz")
            companions.append(monitoring)
        }
        if let stopSimulatorAfter {
            print("  the simulator stops after \(Int(stopSimulatorAfter)) s: /readyz answers 503 once NHN has not answered for alerts.unreachableSeconds (5 s here)")
            companions.append(SimulatorStopper(simulator: simulator, after: stopSimulatorAfter))
        }
        let seeded = try DemoSeeder.seed(from: samplesDirectory + "/outbox", into: settings.folders.outbox)
        print(ConsoleText.line("  seeded \(seeded.count) drops into \(settings.folders.outbox); drop more there while it runs"))
        print("")

        let reporter = DemoReporter(ledger: runtime.ledger, root: root, expected: Set(seeded), seconds: seconds)
        try await runtime.run(logger: logger, companions: [reporter] + companions)
        await simulator.stop()

        let outcome = await reporter.summary()
        print("")
        print("\(outcome.sent) sent, \(outcome.failed) failed, \(outcome.pending) still pending")
        if seconds != nil && outcome.missing > 0 {
            printError("\(outcome.missing) seeded drop(s) did not reach sent/ or failed/ in time")
            throw ExitCode(ExitStatus.software)
        }
    }
}
