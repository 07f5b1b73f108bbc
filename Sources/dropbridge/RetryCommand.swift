import ArgumentParser
import DropbridgeCore
import Foundation
import Operations

/// `dropbridge retry --config FILE NAME... | --all`: failed drops back to the outbox.
/// `dropbridge retry --config FILE --message KEY... | --messages`: quarantined received
/// notifications pending again (the running daemon picks them up within seconds).
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Move failed drops back to the outbox, try drops in backoff at once (--now), or try quarantined received messages again.")

    @OptionGroup var options: ConfigOption

    @Flag(help: "Retry every drop in failed/ (with --now: every drop waiting in backoff).")
    var all = false

    @Flag(help: "Drops waiting in backoff in the running daemon are tried at once (instead of failed/ drops).")
    var now = false

    @Option(name: .customLong("message"), help: "A quarantined notification's key (its message id, or offset-N), as in receipts/unmatched/KEY.problem.json; repeatable.")
    var messageKeys: [String] = []

    @Flag(name: .customLong("messages"), help: "Try every quarantined notification again.")
    var allMessages = false

    @Argument(help: "Names of failed drops (NAME, as in failed/NAME.error.json).")
    var names: [String] = []

    var retriesMessages: Bool { allMessages || !messageKeys.isEmpty }

    func validate() throws {
        if now && retriesMessages { throw ValidationError("--now is for drops waiting in backoff, not for messages") }
        if retriesMessages {
            // Messages or drops, not both in one call.
            if all || !names.isEmpty { throw ValidationError("retry drops (NAME… / --all) or messages (--message KEY… / --messages), not both") }
            if allMessages && !messageKeys.isEmpty { throw ValidationError("name messages with --message, or pass --messages (not both)") }
            return
        }
        // Exactly one of: names, or --all.
        if all != names.isEmpty { throw ValidationError("name drops to retry, or pass --all (not both)") }
    }

    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        if now { return try await submitOperatorRequest(.retryNow, names: all ? nil : names, config: options.config) }
        let settings = try await loadConfig(options.config)
        let ledger = try openOperatorLedger(settings)
        if retriesMessages {
            let result = try QuarantineRetry(config: settings, ledger: ledger).retry(keys: allMessages ? nil : messageKeys)
            result.retried.forEach { print(ConsoleText.line($0)) }
            for key in result.missing { printError(ConsoleText.line("\(key): not quarantined")) }
            if allMessages && result.retried.isEmpty { print("nothing is quarantined") }
            if !result.missing.isEmpty { throw ExitCode(ExitStatus.validationFailed) }
            return
        }
        let retry = FailedDropRetry(config: settings, ledger: ledger)
        let outcomes = retry.retry(all ? retry.failedNames() : names)
        for outcome in outcomes {
            if outcome.isProblem { printError(ConsoleText.line(outcome.line)) } else { print(ConsoleText.line(outcome.line)) }
        }
        if outcomes.contains(where: \.isProblem) { throw ExitCode(ExitStatus.validationFailed) }
    }
}
