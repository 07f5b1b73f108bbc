import ArgumentParser
import DropbridgeCore
import Ledger
import Operations

/// `release NAME… | --all`, `pause`, `resume`: requests to a running daemon through the ledger.
struct ReleaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "release", abstract: "Held drops (401/423/credentials refused) go back to work, while the daemon runs.",
        discussion: "Exit status: 0 done (or queued for the next start), 1 a named drop was not held, 69 no answer or no ledger, 77 run as another user than the ledger's owner.")

    @OptionGroup var options: ConfigOption
    @OptionGroup var log: LogOptions

    @Flag(help: "Release every held drop.")
    var all = false

    @Argument(help: "Names of held drops (as `dropbridge status` lists them).")
    var names: [String] = []

    func validate() throws {
        if all != names.isEmpty { throw ValidationError("name drops to release, or pass --all (not both)") }
    }

    func run() async throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        try await submitOperatorRequest(.release, names: all ? nil : names, config: options.config)
    }
}

struct PauseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pause", abstract: "Stop sending (receiving goes on); kept across restarts until `resume`.")

    @OptionGroup var options: ConfigOption
    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        try await submitOperatorRequest(.pause, names: nil, config: options.config)
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "resume", abstract: "Send again after `pause`.")

    @OptionGroup var options: ConfigOption
    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        try await submitOperatorRequest(.resume, names: nil, config: options.config)
    }
}

/// Submits, prints the daemon's answer; exit 1 when a line says a drop could not be done.
func submitOperatorRequest(_ action: OperatorRequest.Action, names: [String]?, config file: String) async throws {
    let settings = try await loadConfig(file)
    let ledger = try openOperatorLedger(settings)
    switch try await OperatorQueue(config: settings, ledger: ledger).submit(action, names: names) {
    case .done(let lines):
        lines.forEach { print(ConsoleText.line($0)) }
        let succeeded = [": released", ": trying again now", "sending is", "no drop is"]
        if lines.contains(where: { line in !succeeded.contains { line.contains($0) } }) {
            throw ExitCode(ExitStatus.validationFailed)
        }
    case .queued(let line):
        print(ConsoleText.line(line))
    case .noAnswer(let line):
        printError(ConsoleText.line(line))
        throw ExitCode(ExitStatus.unavailable)
    }
}
