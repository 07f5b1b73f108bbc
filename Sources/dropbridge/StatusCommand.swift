import ArgumentParser
import DropbridgeCore
import Foundation
import Ledger
import Operations

/// `dropbridge status --config FILE [--json]`: what waits where, whether a daemon runs, and
/// what needs an operator. Exit 0 healthy, 1 when something needs an operator (as monitoring
/// plugins expect), 69 when there is no ledger to read.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Folder counts and oldest ages, the ledger's summary, the daemon, and what needs an operator.",
        discussion: "Exit status: 0 healthy, 1 something needs an operator (held drops, quarantined messages, stuck work, sending paused, a refused registration), 69 no ledger, 77 not allowed to read the ledger (it names who is), 78 configuration error.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Print one JSON object (the stable shape documented in the README).")
    var json = false

    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        let settings = try await loadConfig(options.config)
        let report: StatusReport
        do {
            report = try StatusReporter.report(config: settings, thresholds: .init(settings.alerts))
        } catch {
            printError("\(error)")
            if case Ledger.ReadOnlyError.denied = error { throw ExitCode(ExitStatus.noPermission) }
            throw ExitCode(ExitStatus.unavailable)
        }
        print(json ? try StatusText.json(report) : StatusText.render(report))
        if !report.healthy { throw ExitCode(ExitStatus.validationFailed) }
    }
}
