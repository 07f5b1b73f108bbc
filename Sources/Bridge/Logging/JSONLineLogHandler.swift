import Foundation
import Glibc
import Logging

/// `--log-format json`: one JSON object per line on standard error, for journald and log
/// shippers: `time`, `level`, `label`, `message`, then each metadata key as its own field
/// (`drop`, `msgId`, `messageId`, `state`, `outcome`, …; a key that would shadow one of the four
/// comes as `metadata.KEY`). Wrapped in `EscapingLogHandler` like the text format, so the
/// same escaping applies to both; JSON's own quoting then keeps every line one line.
public struct JSONLineLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable (String) -> Void

    public init(label: String, level: Logger.Level, write: @escaping @Sendable (String) -> Void = JSONLineLogHandler.standardError) {
        self.label = label
        self.logLevel = level
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    static let reserved: Set<String> = ["time", "level", "label", "message"]

    public func log(event: LogEvent) {
        var fields: [String: Any] = [
            "time": Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true)),
            "level": event.level.rawValue, "label": label, "message": event.message.description,
        ]
        var merged = metadata
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        for (key, value) in merged {
            fields[Self.reserved.contains(key) ? "metadata." + key : key] = Self.json(value)
        }
        guard let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        write(String(decoding: data, as: UTF8.self) + "\n")
    }

    static func json(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let values): values.map(json)
        case .dictionary(let dictionary): dictionary.mapValues(json)
        }
    }

    /// One `write(2)` per line: lines from several threads never interleave.
    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return }
            offset += written
        }
    }
}

extension EscapingLogHandler where Wrapped == JSONLineLogHandler {
    /// Standard error, one escaped JSON object per line, at `level`.
    public static func jsonLines(label: String, level: Logger.Level) -> Self {
        EscapingLogHandler(wrapping: JSONLineLogHandler(label: label, level: level))
    }
}
