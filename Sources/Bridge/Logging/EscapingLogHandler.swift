import Logging

/// The log handler of every dropbridge command: escapes the message, every metadata key and
/// value (nested ones too) and an attached error before the wrapped handler writes them, so
/// no call site can let a hostile file name or server answer forge a log line.
///
/// It keeps the handler's metadata and metadata provider itself (the wrapped handler gets
/// none), so those are escaped as well.
package struct EscapingLogHandler<Wrapped: LogHandler>: LogHandler {
    private var wrapped: Wrapped
    package var metadata: Logger.Metadata = [:]
    package var metadataProvider: Logger.MetadataProvider?

    package init(wrapping handler: Wrapped, metadataProvider: Logger.MetadataProvider? = nil) {
        wrapped = handler
        metadata = handler.metadata
        self.metadataProvider = metadataProvider ?? handler.metadataProvider
        wrapped.metadata = [:]
        // Only when set: a handler without provider support complains about any assignment.
        if wrapped.metadataProvider != nil { wrapped.metadataProvider = nil }
    }

    package var logLevel: Logger.Level {
        get { wrapped.logLevel }
        set { wrapped.logLevel = newValue }
    }

    package subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    package func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let explicit = event.metadata { merged.merge(explicit) { _, new in new } }
        if let error = event.error {
            merged["error.message"] = "\(error)"
            merged["error.type"] = "\(String(reflecting: type(of: error)))"
        }
        var safe = event
        safe.message = "\(LogEscaping.escaped(event.message.description))"
        safe.metadata = merged.isEmpty ? nil : Self.escaped(merged)
        safe.error = nil
        wrapped.log(event: safe)
    }

    static func escaped(_ metadata: Logger.Metadata) -> Logger.Metadata {
        var out: Logger.Metadata = [:]
        for (key, value) in metadata { out[LogEscaping.escaped(key)] = escaped(value) }
        return out
    }

    static func escaped(_ value: Logger.Metadata.Value) -> Logger.Metadata.Value {
        switch value {
        case .string(let text): .string(LogEscaping.escaped(text))
        case .stringConvertible(let convertible): .string(LogEscaping.escaped(convertible.description))
        case .array(let values): .array(values.map(escaped))
        case .dictionary(let dictionary): .dictionary(escaped(dictionary))
        }
    }
}

extension EscapingLogHandler where Wrapped == StreamLogHandler {
    /// Standard error, one escaped line per event, at `level`.
    package static func standardError(label: String, level: Logger.Level) -> Self {
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return EscapingLogHandler(wrapping: handler)
    }
}
