import ArgumentParser

@main
struct Dropbridge: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dropbridge",
        abstract: "A file-drop bridge to NHN EDI 2.0 (API v3): XML + JSON sidecar in outbox/, answers as files.",
        subcommands: [
            RunCommand.self, DemoCommand.self, SimulateCommand.self, ValidateCommand.self,
            StatusCommand.self, ShowCommand.self, RetryCommand.self, ReleaseCommand.self, PauseCommand.self, ResumeCommand.self, BenchCommand.self, KeygenCommand.self,
        ]
    )
}

/// sysexits(3) codes the contract promises (§4).
enum ExitStatus {
    static let validationFailed: Int32 = 1
    static let usage: Int32 = 64
    static let unavailable: Int32 = 69
    static let software: Int32 = 70
    static let cannotCreate: Int32 = 73
    static let noPermission: Int32 = 77
    static let config: Int32 = 78
}
