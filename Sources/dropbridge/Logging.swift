import ArgumentParser
import Bridge
import Logging

/// `--log-format text|json`.
enum LogFormat: String, ExpressibleByArgument, CaseIterable, Sendable {
    case text
    case json
}

/// `--log-format`, shared by every command.
struct LogOptions: ParsableArguments {
    @Option(help: "Log lines on standard error: text, or json (one object per line with drop, msgId, messageId, state, outcome as fields).")
    var logFormat: LogFormat = .text
}

enum LogSetup {
    /// Logs go to standard error, one line per event, at `level`; control characters in any
    /// message or metadata are escaped (see `EscapingLogHandler`) in either format.
    static func bootstrap(level: Logger.Level, format: LogFormat = .text) {
        LoggingSystem.bootstrap { label -> any LogHandler in
            switch format {
            case .text: return EscapingLogHandler.standardError(label: label, level: level)
            case .json: return EscapingLogHandler.jsonLines(label: label, level: level)
            }
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
