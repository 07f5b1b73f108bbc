import ArgumentParser
import Bridge
import DropbridgeCore
import Foundation

@main
struct Dropbridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropbridge",
        abstract: "A file-drop bridge to NHN EDI 2.0 (API v3): XML + JSON sidecar in outbox/, answers as files.",
        discussion: """
            Every command takes --log-format text|json (logs on standard error) and --version.

            EXIT STATUS (sysexits)
              0   ok; status: healthy; check: every check passed
              1   validation failed; status: an operator is needed;
                  check: a check failed; show: nothing found;
                  release, retry: a named drop could not be done
              64  usage error
              69  unavailable: cannot start, no ledger, no answer
              70  internal software error
              73  cannot create an output file
              77  no permission: run as the ledger's owner
              78  configuration error (names the key and the file)
            """,
        version: DropbridgeVersion.current,
        subcommands: [
            RunCommand.self, DemoCommand.self, SimulateCommand.self, ValidateCommand.self,
            StatusCommand.self, ShowCommand.self, CheckCommand.self, RetryCommand.self, ReleaseCommand.self, PauseCommand.self, ResumeCommand.self, BenchCommand.self, KeygenCommand.self,
        ]
    )

    static func main() async {
        // Before any thread pool starts: how many malloc arenas the threads may make.
        MallocArenas.limitToCores(environment: ProcessInfo.processInfo.environment)
        await main(nil)
    }
}

/// sysexits(3) codes the contract promises (docs/contract.md §4).
enum ExitStatus {
    static let validationFailed: Int32 = 1
    static let usage: Int32 = 64
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let cannotCreate: Int32 = 73
    static let noPermission: Int32 = 77
    static let config: Int32 = 78
}
