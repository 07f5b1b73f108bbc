import ArgumentParser
import DropbridgeCore

/// `dropbridge bench`: see Bench.swift.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure throughput, latency and memory against a simulator process; prints JSON.")

    @Option(help: "Drops in the burst.")
    var drops: Int = 2000

    @OptionGroup var log: LogOptions

    func run() async throws {
        try await Bench(drops: drops, logFormat: log.logFormat).run()
    }
}
