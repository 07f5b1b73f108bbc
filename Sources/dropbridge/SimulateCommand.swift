import ArgumentParser
import Logging
import ServiceLifecycle
import Simulator
import Foundation

/// `dropbridge simulate --listen HOST:PORT`: the NHN simulator alone, for offline testing.
struct SimulateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate", abstract: "Run the loopback NHN EDI 2.0 simulator alone.")

    @Option(help: "Address to listen on (HOST:PORT; port 0 picks a free one).")
    var listen: String = "127.0.0.1:8080"

    @Option(parsing: .upToNextOption, help: "HER-ids the bridge may send from.")
    var ownHerIds: [Int] = DemoSetup.ownHerIds

    @Option(parsing: .upToNextOption, help: "Known foreign HER-ids.")
    var counterpartyHerIds: [Int] = DemoSetup.counterpartyHerIds

    @Option(help: "Largest request accepted, in bytes (NHN: 35,000,000).")
    var maxRequestBytes: Int = 35_000_000

    @Option(help: "Log level.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        LogSetup.bootstrap(level: logLevel)
        let logger = Logger(label: "dropbridge.simulator")
        guard let colon = listen.lastIndex(of: ":"), let port = Int(listen[listen.index(after: colon)...]) else {
            printError("--listen must be HOST:PORT, e.g. 127.0.0.1:8080")
            throw ExitCode(ExitStatus.usage)
        }
        let host = String(listen[..<colon])
        let simulator = NHNSimulator(
            settings: SimulatorSettings(
                ownHerIds: Set(ownHerIds), counterpartyHerIds: Set(counterpartyHerIds), maxRequestBytes: maxRequestBytes),
            logger: logger)
        let service = SimulatorService(simulator: simulator, host: host, port: port) { bound in
            print("simulator listening on http://\(host):\(bound)")
            fflush(nil)
        }
        let group = ServiceGroup(
            configuration: .init(
                services: [.init(service: service)], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
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
