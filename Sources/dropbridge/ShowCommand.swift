import ArgumentParser
import DropbridgeCore
import Ledger
import Operations

/// `dropbridge show --config FILE NAME|MSGID|MESSAGEID [--json]`: one drop's or received
/// message's whole history from the ledger (read-only; works while the daemon runs).
struct ShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "One drop's or received message's whole history from the ledger.",
        discussion: "Exit status: 0 found, 1 nothing has that name, MsgId or message id, 69 no ledger, 77 not allowed to read the ledger.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Print one JSON object.")
    var json = false

    @Argument(help: "A drop name, a MsgId, or NHN's message id.")
    var key: String

    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        let settings = try await loadConfig(options.config)
        let report: ShowReport
        do {
            let ledger = try Ledger.openReadOnly(path: StatusReporter.ledgerPath(settings))
            report = try ShowReporter.report(key: key, config: settings, ledger: ledger)
        } catch {
            printError("\(error)")
            if case Ledger.ReadOnlyError.denied = error { throw ExitCode(ExitStatus.noPermission) }
            throw ExitCode(ExitStatus.unavailable)
        }
        print(json ? try ShowText.json(report) : ShowText.render(report))
        if report.isEmpty { throw ExitCode(ExitStatus.validationFailed) }
    }
}
