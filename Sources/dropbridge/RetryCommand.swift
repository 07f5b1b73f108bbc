import ArgumentParser
import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger

/// `dropbridge retry --config FILE NAME... | --all`: failed drops back to the outbox, the XML
/// first and the sidecar last, as a producer would drop them.
/// `dropbridge retry --config FILE --message KEY... | --messages`: quarantined received
/// notifications pending again (the running daemon picks them up within seconds).
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Move failed drops back to the outbox, or try quarantined received messages again.")

    @Option(help: "Configuration file.")
    var config: String

    @Flag(help: "Retry every drop in failed/.")
    var all = false

    @Option(name: .customLong("message"), help: "A quarantined notification's key (its message id, or offset-N), as in receipts/unmatched/KEY.problem.json; repeatable.")
    var messageKeys: [String] = []

    @Flag(name: .customLong("messages"), help: "Try every quarantined notification again.")
    var allMessages = false

    @Argument(help: "Names of failed drops (NAME, as in failed/NAME.error.json).")
    var names: [String] = []

    var retriesMessages: Bool { allMessages || !messageKeys.isEmpty }

    func validate() throws {
        if retriesMessages {
            // Messages or drops, not both in one call.
            if all || !names.isEmpty { throw ValidationError("retry drops (NAME… / --all) or messages (--message KEY… / --messages), not both") }
            if allMessages && !messageKeys.isEmpty { throw ValidationError("name messages with --message, or pass --messages (not both)") }
            return
        }
        // Exactly one of: names, or --all.
        if all != names.isEmpty { throw ValidationError("name drops to retry, or pass --all (not both)") }
    }

    func run() async throws {
        let settings = try await loadConfig(config)
        if retriesMessages { return try retryMessages(settings) }
        let failed = settings.folders.failed
        let files = (try? FileManager.default.contentsOfDirectory(atPath: failed)) ?? []
        let wanted = all ? Set(files.filter { $0.hasSuffix(".error.json") }.map { String($0.dropLast(".error.json".count)) }) : Set(names)
        let ledger = try Ledger(path: settings.state.ledger)
        let durable = DurableFiles(config: settings)
        var problems = 0
        for name in wanted.sorted() {
            let parts = [".xml", ".xml.gz", ".apprec.json", ".json"].filter { files.contains(name + $0) }
            guard files.contains(name + ".error.json") || !parts.isEmpty else {
                if (try? ledger.drop(named: name))??.state == .held {
                    printError("\(name): held in the work area, not failed: fix the cause (dropbridge status says it), then restart dropbridge; held drops are tried again at start")
                } else {
                    printError("\(name): not in \(failed)")
                }
                problems += 1
                continue
            }
            do {
                // The name is free again for the retried drop; the old ledger row stays as history.
                try ledger.releaseName(name)
                for suffix in parts {
                    try durable.move(name + suffix, from: failed, to: settings.folders.outbox, as: name + suffix)
                }
                if files.contains(name + ".error.json") {
                    try FileManager.default.removeItem(atPath: failed + "/" + name + ".error.json")
                }
                print("\(name): back in the outbox")
            } catch {
                printError("\(name): \(error)")
                problems += 1
            }
        }
        if problems > 0 { throw ExitCode(ExitStatus.validationFailed) }
    }

    /// Pending again through the ledger; the problem file goes (a new one is written if it is
    /// quarantined again).
    private func retryMessages(_ settings: BridgeConfig) throws {
        guard FileManager.default.fileExists(atPath: settings.state.ledger) else {
            printError("no ledger in \(settings.stateDirectory): dropbridge has not run with root \(settings.root) yet")
            throw ExitCode(ExitStatus.unavailable)
        }
        let ledger = try Ledger(path: settings.state.ledger)
        let retried = try ledger.retryQuarantined(keys: allMessages ? nil : messageKeys, now: Date().timeIntervalSince1970)
        let unmatched = settings.folders.receipts + "/unmatched/"
        for item in retried {
            try? FileManager.default.removeItem(atPath: unmatched + InboundProblem.fileName(key: item.operatorKey))
            print("\(item.operatorKey): pending again (offset \(item.offset), \(item.type))")
        }
        let found = Set(retried.map(\.operatorKey))
        let missing = messageKeys.filter { !found.contains($0) }
        for key in missing { printError("\(key): not quarantined") }
        if allMessages && retried.isEmpty { print("nothing is quarantined") }
        if !missing.isEmpty { throw ExitCode(ExitStatus.validationFailed) }
    }
}
