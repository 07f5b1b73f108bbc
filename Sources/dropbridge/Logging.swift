import ArgumentParser
import Bridge
import Logging

enum LogSetup {
    /// Logs go to standard error, one line per event, at `level`; control characters in any
    /// message or metadata are escaped (see `EscapingLogHandler`).
    static func bootstrap(level: Logger.Level) {
        LoggingSystem.bootstrap { label in
            EscapingLogHandler.standardError(label: label, level: level)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
