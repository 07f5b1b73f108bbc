import ArgumentParser
import Foundation

/// `dropbridge bench`: see Bench.swift.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the machine, then the bridge's throughput, latency, CPU and memory against a simulator process; prints JSON.")

    @Option(help: "Drops in the burst.")
    var drops: Int = 2000

    @Option(help: "Messages pre-loaded into the simulator before the bridge starts.")
    var messages: Int = 2000

    @Option(help: "The folder to measure in (its filesystem is what the figures are about); default ./.dropbridge-bench. Each run works in a new folder inside, removed after.")
    var dir: String?

    @Option(help: "Runs; with more than one, prints the median, minimum and maximum of each figure.")
    var runs: Int = 1

    @Flag(help: "Also measure 20,000 drops waiting at start and a ledger with 1,000,000 finished drops (slow).")
    var scale = false

    func validate() throws {
        guard drops > 0, messages > 0, runs > 0 else { throw ValidationError("--drops, --messages and --runs must be positive.") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: .error)
        let base = dir ?? FileManager.default.currentDirectoryPath + "/.dropbridge-bench"
        var reports: [Bench.Report] = []
        for _ in 0..<runs {
            let root = base + "/run-\(UUID().uuidString)"
            reports.append(try await Bench(drops: drops, root: root, inboundMessages: messages, scale: scale).run())
        }
        rmdir(base)  // only when empty: a folder the operator named keeps anything else in it
        print(try BenchSummary.json(reports, machine: Bench.machine))
        fflush(nil)
    }
}
