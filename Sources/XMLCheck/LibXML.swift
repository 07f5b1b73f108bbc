import CLibXML2
import Foundation
import DropbridgeCore

/// One-time libxml2 set-up shared by every parse and schema compile in the process.
enum LibXML {
    /// Swift runs a global's initializer exactly once, thread-safely.
    private static let ready: Void = {
        xmlInitParser()
        // Schema imports are read by libxml2 itself (with entity substitution), so the loader is
        // the only place that can make network fetches impossible for them as well.
        xmlSetExternalEntityLoader(xmlNoNetExternalEntityLoader)
    }()

    static func ensureReady() { _ = ready }

    /// Parser options for untrusted documents: no network, no DTD loading, no entity
    /// substitution; big line numbers for diagnostics. XML_PARSE_HUGE is needed: it lifts the
    /// 10 MB limit on one text node, and a KITH attachment is one Base64Container text node of
    /// up to ~26 MB (without HUGE, LargeDocumentTests' 12 MB node is refused as "xmlSAX2Characters:
    /// huge text node"). What else HUGE lifts is bounded by us: entity amplification cannot
    /// happen (every DOCTYPE is refused before its first declaration is read), the document by
    /// `outbox.maxBytes`, depth, name length, attribute value length and the dictionary by
    /// `SafeParser.limitDepth` / `limitSizes`.
    static let untrustedParseOptions = Int32(
        bitPattern: XML_PARSE_NONET.rawValue | XML_PARSE_BIG_LINES.rawValue | XML_PARSE_HUGE.rawValue)

    static func string(_ pointer: UnsafePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        return String(cString: pointer)
    }

    /// Takes ownership of a libxml2-allocated string.
    static func takeString(_ pointer: UnsafeMutablePointer<xmlChar>?) -> String? {
        guard let pointer else { return nil }
        defer { dropbridge_xml_free(pointer) }
        return String(cString: pointer)
    }
}

/// A 1-based position in the source document.
struct SourceLocation {
    var line: Int
    var column: Int
}

/// Collects libxml2's structured errors for one parse/validation on one thread.
/// libxml2 hands it back to us through `_private`/user-data pointers, never through globals.
final class DiagnosticCollector {
    static let maxErrors = 100

    private(set) var errors: [LineError] = []
    private(set) var truncatedCount = 0
    /// Where a `<!DOCTYPE` was met, if one was.
    var doctypeLocation: (line: Int?, column: Int?)?
    /// Where each element's start tag begins (its `<`), by node address. libxml2 keeps only a
    /// line on nodes, and that is the line where the start tag *ends*.
    var elementStarts: [UnsafeMutableRawPointer: SourceLocation] = [:]
    var recordsElementStarts = false

    func record(_ error: UnsafePointer<xmlError>) {
        let e = error.pointee
        guard e.level.rawValue >= XML_ERR_ERROR.rawValue else { return }
        guard errors.count < Self.maxErrors else {
            truncatedCount += 1
            return
        }
        var line: Int? = e.line > 0 ? Int(e.line) : nil
        var column: Int? = e.int2 > 0 ? Int(e.int2) : nil
        if column == nil, let node = e.node, let start = elementStarts[node] {
            (line, column) = (start.line, start.column)
        }
        let message = (e.message.map { String(cString: $0) } ?? "unknown libxml2 error")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        errors.append(LineError(line: line, column: column, message: message))
    }

    /// `FILE:LINE: message`, for schema compilation where the file matters.
    private(set) var fileDiagnostics: [String] = []

    /// An `xs:import` libxml2 skipped because nothing was found at its schemaLocation (only a
    /// warning to libxml2): its namespace and where the import is.
    struct SkippedImport {
        var namespace: String
        var location: String
    }
    private(set) var skippedImports: [SkippedImport] = []

    /// A refusal of our own (not libxml2's), e.g. nesting deeper than we accept.
    func refuse(line: Int?, column: Int?, message: String) {
        if errors.count < Self.maxErrors { errors.append(LineError(line: line, column: column, message: message)) }
    }

    func recordWithFile(_ error: UnsafePointer<xmlError>) {
        let e = error.pointee
        if e.code == Int32(XML_SCHEMAP_WARN_UNLOCATED_SCHEMA.rawValue), skippedImports.count < Self.maxErrors {
            // The node is the xs:import element, alive while the schema parser runs.
            let node = e.node?.assumingMemoryBound(to: xmlNode.self)
            let namespace = node.flatMap { DocumentTree.attribute($0, "namespace") } ?? "(no namespace)"
            let file = e.file.map { String(cString: $0) } ?? "(generated driver schema)"
            let message = (e.message.map { String(cString: $0) } ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
            skippedImports.append(SkippedImport(
                namespace: namespace, location: (e.line > 0 ? "\(file):\(e.line): " : "\(file): ") + message))
        }
        guard e.level.rawValue >= XML_ERR_ERROR.rawValue, fileDiagnostics.count < Self.maxErrors else { return }
        let file = e.file.map { String(cString: $0) } ?? "(generated driver schema)"
        let message = (e.message.map { String(cString: $0) } ?? "unknown libxml2 error")
            .trimmingCharacters(in: .whitespacesAndNewlines)
        fileDiagnostics.append(e.line > 0 ? "\(file):\(e.line): \(message)" : "\(file): \(message)")
    }

    /// The errors, with a final note when some were left out.
    var reportedErrors: [LineError] {
        truncatedCount == 0 ? errors : errors + [LineError(message: "… and \(truncatedCount) more errors")]
    }

    var opaque: UnsafeMutableRawPointer { Unmanaged.passUnretained(self).toOpaque() }

    static func from(_ pointer: UnsafeMutableRawPointer?) -> DiagnosticCollector? {
        guard let pointer else { return nil }
        return Unmanaged<DiagnosticCollector>.fromOpaque(pointer).takeUnretainedValue()
    }
}

/// Error sink for handlers whose user data is the collector itself (schema contexts and the
/// thread-local fallback).
let collectorErrorSink: xmlStructuredErrorFunc = { userData, error in
    guard let error, let collector = DiagnosticCollector.from(userData) else { return }
    collector.record(UnsafePointer(error))
}

/// Runs `body` with libxml2's thread-local error handler pointed at `collector`, so stray
/// diagnostics (encoding, I/O) are collected rather than printed, then restores the default.
func withThreadErrors<T>(into collector: DiagnosticCollector, _ body: () -> T) -> T {
    xmlSetStructuredErrorFunc(collector.opaque, collectorErrorSink)
    defer { xmlSetStructuredErrorFunc(nil, nil) }
    return withExtendedLifetime(collector) { body() }
}
