import CLibXML2
import DropbridgeCore
import Glibc

/// What one safe parse produced. Owns `doc` until `release()` or hand-over.
struct ParseOutcome {
    enum State {
        /// A `<!DOCTYPE` was met and parsing stopped there, before any declaration inside it.
        case doctypeRefused(line: Int?, column: Int?)
        case notWellFormed([LineError])
        case parsed(OwnedDocument)
    }

    var state: State
}

/// An xmlDoc freed when the last reference goes.
final class OwnedDocument {
    let doc: xmlDocPtr
    /// Start-tag positions for schema diagnostics (see DiagnosticCollector).
    let elementStarts: [UnsafeMutableRawPointer: SourceLocation]

    init(doc: xmlDocPtr, elementStarts: [UnsafeMutableRawPointer: SourceLocation]) {
        self.doc = doc
        self.elementStarts = elementStarts
    }

    deinit { xmlFreeDoc(doc) }

    var root: xmlNodePtr? { xmlDocGetRootElement(doc) }
}

/// Parses untrusted bytes with libxml2 on a private parser context: no network, no DTD, no
/// entity substitution, and any DOCTYPE stops the parser before its internal subset is read.
enum SafeParser {
    static func parse(_ bytes: [UInt8], recordElementStarts: Bool) -> ParseOutcome {
        guard bytes.count <= Int(Int32.max) else {
            return ParseOutcome(state: .notWellFormed([LineError(message: "the XML parser could not be started")]))
        }
        // Read through a callback rather than xmlCtxtReadMemory: libxml2 2.9 copies a whole
        // memory input first, which doubles the cost of a 30 MB document.
        return bytes.withUnsafeBytes { buffer in
            var position = 0
            return parse(head: Array(bytes.prefix(4)), recordElementStarts: recordElementStarts) { destination in
                let count = min(destination.count, buffer.count - position)
                guard count > 0, let base = buffer.baseAddress else { return 0 }
                destination.baseAddress?.copyMemory(from: base + position, byteCount: count)
                position += count
                return count
            }
        }
    }

    /// Parses what `pull` hands over, in the chunks libxml2 asks for: `pull` fills the buffer
    /// it is given and returns how many bytes it wrote (0 at the end, -1 on a read error).
    /// `head`: the document's first bytes (four are enough), for the start-tag scan's encoding.
    static func parse(head: [UInt8], recordElementStarts: Bool, pull: (UnsafeMutableRawBufferPointer) -> Int) -> ParseOutcome {
        LibXML.ensureReady()
        guard let ctxt = xmlNewParserCtxt() else {
            return ParseOutcome(state: .notWellFormed([LineError(message: "the XML parser could not be started")]))
        }
        defer { xmlFreeParserCtxt(ctxt) }
        let collector = DiagnosticCollector()
        collector.recordsElementStarts = recordElementStarts
        installHooks(on: ctxt, collector: collector)

        // Every piece is scanned before libxml2 gets it; a tag over the bound ends the input
        // there (as a read error), so libxml2 never holds more of it.
        var tags = StartTagScan(head: head)
        let doc: xmlDocPtr? = withThreadErrors(into: collector) {
            withoutActuallyEscaping(pull) { pull in
                let reader = ChunkReader { destination in
                    let count = pull(destination)
                    guard count > 0 else { return count }
                    tags.feed(UnsafeRawBufferPointer(rebasing: destination[..<count]))
                    return tags.refusedLine == nil ? count : -1
                }
                return withExtendedLifetime(reader) {
                    xmlCtxtReadIO(
                        ctxt, ChunkReader.read, nil, Unmanaged.passUnretained(reader).toOpaque(), nil, nil,
                        LibXML.untrustedParseOptions)
                }
            }
        }

        if let line = tags.refusedLine {
            if let doc { xmlFreeDoc(doc) }
            return ParseOutcome(state: .notWellFormed([LineError(
                line: line, message: "an element has more than \(StartTagScan.maxAttributes) attributes")]))
        }
        if let doctype = collector.doctypeLocation {
            if let doc { xmlFreeDoc(doc) }
            return ParseOutcome(state: .doctypeRefused(line: doctype.line, column: doctype.column))
        }
        // A namespace error (e.g. an undeclared prefix) leaves wellFormed set; it still means the
        // document cannot be interpreted, so it is refused like any other well-formedness error.
        guard let doc, ctxt.pointee.wellFormed != 0, ctxt.pointee.nsWellFormed != 0 else {
            if let doc { xmlFreeDoc(doc) }
            var errors = collector.reportedErrors
            if errors.isEmpty { errors = [LineError(message: "the document is not well-formed XML")] }
            if head.starts(with: [0x1F, 0x8B]) {
                // gzip's magic number: a compressed document under an .xml name.
                errors.insert(LineError(line: 1, message: "the file is gzip-compressed: drop it as NAME.xml.gz"), at: 0)
            } else if let line = tags.nulLine {
                errors.insert(
                    LineError(line: line, message: "the document holds a NUL character, which XML never allows (a cut-off, padded or binary file?)"),
                    at: 0)
            }
            return ParseOutcome(state: .notWellFormed(errors))
        }
        return ParseOutcome(state: .parsed(OwnedDocument(doc: doc, elementStarts: collector.elementStarts)))
    }

    private static func installHooks(on ctxt: xmlParserCtxtPtr, collector: DiagnosticCollector) {
        ctxt.pointee._private = collector.opaque
        guard let sax = ctxt.pointee.sax else { return }
        // libxml2 passes ctxt->userData (the context itself) to these callbacks.
        sax.pointee.serror = { userData, error in
            guard let error, let collector = SafeParser.collectorOfContext(userData) else { return }
            collector.record(UnsafePointer(error))
        }
        sax.pointee.internalSubset = { userData, _, _, _ in SafeParser.stopAtDoctype(userData) }
        sax.pointee.externalSubset = { userData, _, _, _ in SafeParser.stopAtDoctype(userData) }
        sax.pointee.resolveEntity = { _, _, _ in nil }
        sax.pointee.startElementNs = { userData, localName, prefix, uri, nsCount, namespaces, attrCount, defaulted, attributes in
            xmlSAX2StartElementNs(userData, localName, prefix, uri, nsCount, namespaces, attrCount, defaulted, attributes)
            SafeParser.recordStartTagColumn(userData)
            SafeParser.limitDepth(userData)
            SafeParser.limitSizes(userData, localName: localName, attrCount: attrCount, attributes: attributes)
        }
    }

    fileprivate static func collectorOfContext(_ userData: UnsafeMutableRawPointer?) -> DiagnosticCollector? {
        guard let userData else { return nil }
        let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        return DiagnosticCollector.from(ctxt.pointee._private)
    }

    /// XML_PARSE_HUGE lifts libxml2's own depth limit; no KITH message nests anywhere near this.
    static let maxDepth = 256

    fileprivate static func limitDepth(_ userData: UnsafeMutableRawPointer?) {
        guard let userData else { return }
        let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        // nameNr counts the open parents: libxml2 pushes the new element after this callback.
        guard ctxt.pointee.nameNr >= Int32(maxDepth) else { return }
        let input = ctxt.pointee.input?.pointee
        collectorOfContext(userData)?.refuse(
            line: input.map { Int($0.line) }, column: input.map { Int($0.col) },
            message: "elements are nested deeper than \(maxDepth) levels")
        ctxt.pointee.wellFormed = 0
        xmlStopParser(ctxt)
    }

    /// What XML_PARSE_HUGE lifts besides the text-node length, bounded again by us: libxml2's
    /// own limits without HUGE are 50,000 bytes per name, 10 MB per attribute value and 10 MB
    /// of interned names. No KITH name comes near 1,000 bytes; no attribute needs megabytes.
    static let maxNameBytes = 1_000
    static let maxAttributeValueBytes = 10_000_000
    static let maxDictionaryBytes = 10_000_000

    fileprivate static func limitSizes(
        _ userData: UnsafeMutableRawPointer?, localName: UnsafePointer<xmlChar>?, attrCount: Int32,
        attributes: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?
    ) {
        guard let userData else { return }
        let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        var problem: String?
        if let localName, strlen(localName) > maxNameBytes {
            problem = "an element name is longer than \(maxNameBytes) bytes"
        }
        if problem == nil, let attributes {
            // Five pointers per attribute: local name, prefix, URI, value start, value end.
            for index in 0..<Int(max(attrCount, 0)) {
                let base = index * 5
                if let name = attributes[base], strlen(name) > maxNameBytes {
                    problem = "an attribute name is longer than \(maxNameBytes) bytes"
                    break
                }
                if let start = attributes[base + 3], let end = attributes[base + 4], end - start > maxAttributeValueBytes {
                    problem = "an attribute value is longer than \(maxAttributeValueBytes) bytes"
                    break
                }
            }
        }
        if problem == nil, let dict = ctxt.pointee.dict, xmlDictGetUsage(dict) > maxDictionaryBytes {
            problem = "the document uses more than \(maxDictionaryBytes) bytes of distinct names"
        }
        guard let problem else { return }
        let input = ctxt.pointee.input?.pointee
        collectorOfContext(userData)?.refuse(line: input.map { Int($0.line) }, column: nil, message: problem)
        ctxt.pointee.wellFormed = 0
        xmlStopParser(ctxt)
    }

    fileprivate static func stopAtDoctype(_ userData: UnsafeMutableRawPointer?) {
        guard let userData else { return }
        let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        if let collector = collectorOfContext(userData), collector.doctypeLocation == nil {
            let input = ctxt.pointee.input?.pointee
            collector.doctypeLocation = (input.map { Int($0.line) }, nil)
        }
        xmlStopParser(ctxt)
    }

    /// Remembers the line and column of the `<` that opened the element just created. At this callback
    /// the input sits at the end of the start tag; `<` cannot occur inside a tag, so the nearest
    /// `<` before it is the tag's start.
    fileprivate static func recordStartTagColumn(_ userData: UnsafeMutableRawPointer?) {
        guard let userData else { return }
        let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let collector = collectorOfContext(userData), collector.recordsElementStarts,
              let node = ctxt.pointee.node, let input = ctxt.pointee.input,
              let base = input.pointee.base, let cur = input.pointee.cur, cur >= base
        else { return }
        var lt = cur
        while lt > base, lt.pointee != UInt8(ascii: "<") { lt -= 1 }
        guard lt.pointee == UInt8(ascii: "<") else { return }

        func characters(from start: UnsafePointer<xmlChar>, to end: UnsafePointer<xmlChar>) -> Int {
            var count = 0
            var p = start
            while p < end {
                if p.pointee & 0xC0 != 0x80 { count += 1 }
                p += 1
            }
            return count
        }

        var newlinesInTag = 0
        var p = lt
        while p < cur {
            if p.pointee == 0x0A { newlinesInTag += 1 }
            p += 1
        }
        let column: Int?
        if newlinesInTag == 0 {
            column = Int(input.pointee.col) - characters(from: lt, to: cur)
        } else {
            var lineStart = lt
            while lineStart > base, (lineStart - 1).pointee != 0x0A { lineStart -= 1 }
            let atDocumentStart = lineStart == base && input.pointee.consumed == 0
            let startsLine = lineStart > base || atDocumentStart
            column = startsLine ? characters(from: lineStart, to: lt) + 1 : nil
        }
        let line = Int(input.pointee.line) - newlinesInTag
        if let column, column > 0, line > 0 {
            collector.elementStarts[UnsafeMutableRawPointer(node)] = SourceLocation(line: line, column: column)
        }
    }
}

/// Hands libxml2 the input in the chunks it asks for, straight from the caller's pull.
private final class ChunkReader {
    let pull: (UnsafeMutableRawBufferPointer) -> Int

    init(_ pull: @escaping (UnsafeMutableRawBufferPointer) -> Int) {
        self.pull = pull
    }

    static let read: xmlInputReadCallback = { context, destination, length in
        guard let context, let destination, length > 0 else { return 0 }
        let reader = Unmanaged<ChunkReader>.fromOpaque(context).takeUnretainedValue()
        let count = reader.pull(UnsafeMutableRawBufferPointer(start: destination, count: Int(length)))
        return Int32(clamping: count)
    }
}
