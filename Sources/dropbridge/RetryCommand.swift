import ArgumentParser
import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger

/// `dropbridge retry --config FILE NAME... | --all`: failed drops back to the outbox, the XML
/// first and the sidecar last, as a producer would drop them.
struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry", abstract: "Move failed drops back to the outbox.")

    @Option(help: "Configuration file.")
    var config: String

    @Flag(help: "Retry every drop in failed/.")
    var all = false

    @Argument(help: "Names of failed drops (NAME, as in failed/NAME.error.json).")
    var names: [String] = []

    func validate() throws {
        // Exactly one of: names, or --all.
        if all != names.isEmpty { throw ValidationError("name drops to retry, or pass --all (not both)") }
    }

    func run() async throws {
        let settings = try await loadConfig(config)
        let failed = settings.folders.failed
        let files = (try? FileManager.default.contentsOfDirectory(atPath: failed)) ?? []
        let wanted = all ? Set(files.filter { $0.hasSuffix(".error.json") }.map { String($0.dropLast(".error.json".count)) }) : Set(names)
        let ledger = try Ledger(path: settings.stateDirectory + "/ledger.sqlite")
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
}
