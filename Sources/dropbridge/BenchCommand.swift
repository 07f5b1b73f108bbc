import ArgumentParser
import Benchmark
import Demo
import DropbridgeCore
import Foundation

/// `dropbridge bench`: see `Bench` (Sources/Benchmark).
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Measure the machine, then the bridge's throughput, latency, CPU and memory against a simulator process; prints JSON.")

    @Option(help: "Drops in the burst.")
    var drops: Int = 2000

    @OptionGroup var log: LogOptions

    @Option(help: "Messages pre-loaded into the simulator before the bridge starts.")
    var messages: Int = 2000

    @Option(help: "The folder to measure in (its filesystem is what the figures are about); default ./.dropbridge-bench. Each run works in a new folder inside, removed after.")
    var dir: String?

    @Option(help: "Runs, each in a process of its own; with more than one, prints the median, minimum and maximum of each figure.")
    var runs: Int = 1

    @Flag(help: "Also measure 20,000 drops waiting at start and a ledger with 1,000,000 finished drops (slow).")
    var scale = false

    func validate() throws {
        guard drops > 0, messages > 0, runs > 0 else { throw ValidationError("--drops, --messages and --runs must be positive.") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: .error, format: log.logFormat)
        let base = dir ?? FileManager.default.currentDirectoryPath + "/.dropbridge-bench"
        var reports: [Bench.Report] = []
        if runs == 1 {
            reports.append(try await Bench(drops: drops, root: base + "/run-\(UUID().uuidString)", inboundMessages: messages, scale: scale).run())
        } else {
            // Each run in a process of its own: memory figures must not carry an earlier run's heap.
            for _ in 0..<runs { reports.append(try runChild(base: base)) }
        }
        rmdir(base)  // only when empty: a folder the operator named keeps anything else in it
        print(try BenchSummary.json(reports, machine: Bench.machine))
        fflush(nil)
    }

    /// `dropbridge bench --runs 1` with the same settings in a child process; its report.
    private func runChild(base: String) throws -> Bench.Report {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        process.arguments = ["bench", "--runs", "1", "--drops", "\(drops)", "--messages", "\(messages)", "--dir", base, "--log-format", log.logFormat.rawValue]
            + (scale ? ["--scale"] : [])
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw DemoError("bench: a run failed (exit \(process.terminationStatus))") }
        return try JSONDecoder().decode(Bench.Report.self, from: data)
    }
}
