import ArgumentParser
import Bridge
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

/// Stops the demo's simulator mid-run, so an operator sees the bridge notice (`/readyz`).
struct SimulatorStopper: Service {
    let simulator: NHNSimulator
    let after: Double

    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(after)) }
        if !Task.isShuttingDownGracefully {
            await simulator.stop()
            print("  simulator stopped")
        }
        // Returning would end the demo: wait for its end instead.
        try? await gracefulShutdown()
    }
}

/// Copies the sample drops into the outbox the way a careful producer does: each file written
/// under a dot-name and renamed in, the XML first and the sidecar (the commit marker) last.
enum DemoSeeder {
    static func seed(from samples: String, into outbox: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: samples).filter { !$0.hasPrefix(".") }.sorted()
        let ordered = names.filter { !$0.hasSuffix(".json") } + names.filter { $0.hasSuffix(".json") }
        var drops = Set<String>()
        for name in ordered {
            let data = try Data(contentsOf: URL(fileURLWithPath: samples + "/" + name))
            let temp = outbox + "/." + name + ".seeding"
            try data.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, outbox + "/" + name) == 0 else { throw DemoError("cannot seed \(name)") }
            drops.insert(dropName(of: name))
        }
        return drops.sorted()
    }

    static func dropName(of file: String) -> String {
        for suffix in [".apprec.json", ".xml.gz", ".xml", ".json"] where file.hasSuffix(suffix) {
            return String(file.dropLast(suffix.count))
        }
        return file
    }

    static func copySchemas(from source: String, to target: String) throws {
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".xsd") {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: target + "/" + name)
        }
    }
}

/// Prints each drop as it is filed, and ends the demo after `seconds`.
actor DemoReporter: Service {
    let ledger: Ledger
    let root: String
    let expected: Set<String>
    let seconds: Double?
    private var printed = Set<Int64>()
    /// Only what is filed during this run counts (the folder may hold earlier runs' drops).
    private let startedAt = Date().timeIntervalSince1970
    private lazy var lastFiledAt: Double = startedAt
    private var sent = 0
    private var failed = 0
    private var seenExpected = Set<String>()
    /// Files already in inbox/ and receipts/ (so only new ones are shown).
    private var shownFiles: Set<String>?
    /// The last line shown per status file: a status file is rewritten in place, shown again
    /// only when what it says changes.
    private var shownStatus: [String: String] = [:]

    init(ledger: Ledger, root: String, expected: Set<String>, seconds: Double?) {
        self.ledger = ledger
        self.root = root
        self.expected = expected
        self.seconds = seconds
    }

    func run() async throws {
        let deadline = seconds.map { ContinuousClock.now + .seconds($0) }
        while !Task.isShuttingDownGracefully {
            report()
            if let deadline, ContinuousClock.now >= deadline { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    private func report() {
        // Filing times of concurrent drops may commit out of order: look back a little and
        // skip what was already printed.
        guard let drops = try? ledger.filed(since: max(startedAt, lastFiledAt - 10)) else { return }
        for drop in drops where !printed.contains(drop.id ?? 0) {
            printed.insert(drop.id ?? 0)
            lastFiledAt = max(lastFiledAt, drop.filedAt ?? 0)
            if expected.contains(drop.originalName) { seenExpected.insert(drop.originalName) }
            if drop.state == .accepted { sent += 1 } else { failed += 1 }
            // Names are shown escaped (a drop may be called "a\nb"); the files keep their names.
            print(ConsoleText.filed(drop))
        }
        showNewFiles()
        fflush(nil)
    }

    /// What came back: received documents, statuses, AppRecs and refusals, as they appear.
    private func showNewFiles() {
        var current = Set<String>()
        for folder in ["inbox", "receipts", "receipts/unmatched"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []
            where !name.hasPrefix(".") && !name.hasSuffix(".sent.json") && name != "unmatched" {
                current.insert(folder + "/" + name)
            }
        }
        guard let shown = shownFiles else {
            // What an earlier run left is not news, its status files included.
            shownFiles = current
            for file in current where file.hasSuffix(".status.json") { shownStatus[file] = statusLine(file) }
            return
        }
        for file in current.sorted() where file.hasSuffix(".status.json") {
            let line = statusLine(file)
            if !line.isEmpty, shownStatus[file] != line {
                shownStatus[file] = line
                print(ConsoleText.line("  + \(file)  status: \(line)"))
            }
        }
        for file in current.subtracting(shown).sorted() where !file.hasSuffix(".status.json") {
            let what =
                switch file {
                case let f where f.hasSuffix(".refused.json"): "NHN refused delivery"
                case let f where f.contains(".apprec."): "application receipt from the receiver"
                case let f where f.hasPrefix("inbox/") && f.hasSuffix(".json"): "received message (metadata)"
                case let f where f.hasPrefix("inbox/"): "received message"
                default: ""
                }
            print(ConsoleText.line("  + \(file)  \(what)"))
        }
        shownFiles = current
    }

    private func statusLine(_ file: String) -> String {
        guard let data = FileManager.default.contents(atPath: root + "/" + file) else { return "" }
        if let altinn = try? JSONDecoder().decode(AltinnStatusReceipt.self, from: data), altinn.channel == "altinn" {
            return altinn.recipients.map { "\($0.recipient): \($0.status)\($0.statusText.map { " (\($0))" } ?? "")" }
                .joined(separator: "; ")
        }
        guard let status = try? JSONDecoder().decode(StatusReceipt.self, from: data) else { return "" }
        return status.receivers.map {
            "HER \($0.receiverHerId.map(String.init) ?? "?"): \($0.transportDeliveryState ?? "-"), AppRec \($0.apprecStatus ?? "-")"
        }.joined(separator: "; ")
    }

    func summary() -> (sent: Int, failed: Int, pending: Int, missing: Int) {
        report()
        let pending = (try? ledger.unfinished().count) ?? 0
        return (sent, failed, pending, expected.subtracting(seenExpected).count)
    }
}
