import ArgumentParser
import Demo
import DropbridgeCore
import Logging
import ServiceLifecycle
import Simulator
import Foundation

/// `dropbridge simulate --listen HOST:PORT`: the NHN simulator alone, for offline testing.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run the loopback simulator alone: NHN EDI 2.0, HelseID, Maskinporten and the Altinn token exchange.")

    @Option(help: "Address to listen on (HOST:PORT; port 0 picks a free one).")
    var listen: String = "127.0.0.1:8080"

    @Option(parsing: .upToNextOption, help: "HER-ids the bridge may send from.")
    var ownHerIds: [Int] = DemoSetup.ownHerIds

    @Option(parsing: .upToNextOption, help: "Known foreign HER-ids.")
    var counterpartyHerIds: [Int] = DemoSetup.counterpartyHerIds

    @Option(help: "Largest request accepted, in bytes (NHN: 35,000,000).")
    var maxRequestBytes: Int = 35_000_000

    @Option(
        name: .customLong("client"),
        help: "A client of the simulated HelseID and Maskinporten: CLIENT_ID=PUBLIC_JWK_FILE (repeatable; also POST /_sim/auth/clients).")
    var clients: [String] = []

    @Option(help: "Lifetime of the access tokens issued, in seconds.")
    var tokenSeconds: Int = 600

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: logLevel, format: log.logFormat)
        let logger = Logger(label: "dropbridge.simulator")
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            printError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
            throw ExitCode(ExitStatus.usage)
        }
        let host = String(listen[..<colon])
        var registered: [RegisteredClient] = []
        for entry in clients {
            guard let equals = entry.firstIndex(of: "="), equals != entry.startIndex else {
                printError("--client must be CLIENT_ID=FILE (a public JWK in FILE), not \(entry)")
                throw ExitCode(ExitStatus.usage)
            }
            let file = String(entry[entry.index(after: equals)...])
            guard let json = FileManager.default.contents(atPath: file) else {
                printError("--client \(entry): cannot read \(file)")
                throw ExitCode(ExitStatus.usage)
            }
            let members = (try? JSONSerialization.jsonObject(with: json)) as? [String: Any]
            if members?["d"] != nil {
                printError("--client \(entry): \(file) holds a private key; register the public one (keygen writes it as NAME.public.jwk)")
                throw ExitCode(ExitStatus.usage)
            }
            guard let client = RegisteredClient(clientID: String(entry[..<equals]), publicJWKJSON: Array(json)) else {
                printError("--client \(entry): \(file) is not a public RSA or EC JWK")
                throw ExitCode(ExitStatus.usage)
            }
            registered.append(client)
        }
        let simulator = NHNSimulator(
            settings: SimulatorSettings(
                ownHerIds: Set(ownHerIds), counterpartyHerIds: Set(counterpartyHerIds), maxRequestBytes: maxRequestBytes,
                authentication: AuthenticationSettings(accessTokenSeconds: tokenSeconds, clients: registered)),
            logger: logger)
        let clientsToShow = registered
        let service = SimulatorService(simulator: simulator, host: host, port: port) { bound in
            print("simulator listening on http://\(host):\(bound)")
            for client in clientsToShow {
                print("  client \(client.clientID), key \(client.keyID ?? client.publicKey.thumbprint)")
            }
            fflush(nil)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            printError("simulate: cannot serve on \(listen): \(error)")
            throw ExitCode(ExitStatus.unavailable)
        }
    }
}

/// The simulator as a `Service`, so it shuts down with the group.
struct SimulatorService: Service {
    let simulator: NHNSimulator
    let host: String
    let port: Int
    let onListening: @Sendable (Int) -> Void

    func run() async throws {
        try await simulator.run(host: host, port: port, onListening: onListening)
    }
}
