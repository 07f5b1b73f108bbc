import ArgumentParser
import DropbridgeCore
import Operations

/// `dropbridge check --config FILE`: like `nginx -t`.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Check everything `run` needs without sending anything; one line per check.",
        discussion: "Obtains tokens and calls GET /ping, nothing else. Exit status: 0 every check passed, 1 a check failed.")

    @OptionGroup var options: ConfigOption
    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: .error, format: log.logFormat)
        let lines = await ConfigCheck.run(file: options.config)
        lines.forEach { print(ConsoleText.line($0.text)) }
        let failed = lines.filter { $0.outcome == .fail }.count
        print(failed == 0 ? "check: all \(lines.count) checks passed" : "check: \(failed) of \(lines.count) checks failed")
        if failed > 0 { throw ExitCode(ExitStatus.validationFailed) }
    }
}
