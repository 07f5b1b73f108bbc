import CLibXML2
import DropbridgeCore

/// A document that passed the safe parse, ready to send.
package struct CheckedDocument: Sendable, Equatable {
    /// Bytes to send: UTF-8 without BOM, with a declaration saying UTF-8. Re-encoded when the
    /// input was not UTF-8; otherwise the input bytes minus any BOM, a declaration added (or
    /// `encoding="UTF-8"` added to it) when the input did not declare its encoding.
    package var utf8: [UInt8]
    /// e.g. "ISO-8859-1" when re-encoded; nil when the input already was UTF-8.
    package var originalEncoding: String?
    package var rootName: String
    package var rootNamespace: String?
    /// Set when the root is `{msghead}MsgHead`.
    package var msgHead: MsgHeadInfo?
    /// Set when the root is `AppRec` in either AppRec namespace.
    package var appRec: AppRecInfo?
    /// Set by `check(size:streaming:)` when the bytes to send are the source's own from this
    /// offset (3 after a UTF-8 byte-order mark, else 0); `utf8` is empty then. Nil when `utf8`
    /// holds them (a check of bytes, or a document re-encoded as UTF-8).
    package var sourceOffset: Int?
    /// With `sourceOffset`: bytes sent before the source's own, when the source did not declare
    /// UTF-8 (the declaration, or the head of its declaration with `encoding="UTF-8"` added).
    package var sourcePrefix: [UInt8] = []

    package init(
        utf8: [UInt8], originalEncoding: String? = nil, rootName: String, rootNamespace: String?,
        msgHead: MsgHeadInfo? = nil, appRec: AppRecInfo? = nil
    ) {
        self.utf8 = utf8
        self.originalEncoding = originalEncoding
        self.rootName = rootName
        self.rootNamespace = rootNamespace
        self.msgHead = msgHead
        self.appRec = appRec
    }
}

/// The outcome of `XMLValidator.check`.
package struct XMLCheckResult: Sendable, Equatable {
    /// nil when the bytes were refused before or during parsing.
    package var document: CheckedDocument?
    /// nil when the document may be sent.
    package var failure: DropFailure?
    package var isValid: Bool { failure == nil }

    package init(document: CheckedDocument?, failure: DropFailure?) {
        self.document = document
        self.failure = failure
    }
}

/// Checks a dropped XML document the way the bridge does before sending: size, safe parse
/// (DOCTYPE refused), encoding, root namespace, schema. Safe to use from many threads at once.
package struct XMLValidator: Sendable {
    package let schemas: SchemaSet?
    package let requireSchema: Bool
    package let maxBytes: Int

    package init(schemas: SchemaSet?, requireSchema: Bool, maxBytes: Int = 35_000_000) {
        self.schemas = schemas
        self.requireSchema = requireSchema
        self.maxBytes = maxBytes
    }

    /// Never crashes on input; every refusal is a `DropFailure` with one operator sentence.
    package func check(_ bytes: [UInt8]) -> XMLCheckResult {
        if let refusal = refusalBeforeParsing(size: bytes.count, head: bytes) { return refusal }
        let parsed = SafeParser.parse(bytes, recordElementStarts: schemas != nil)
        return judge(parsed, head: bytes) { $0.utf8 = DocumentEncoding.declaringUTF8(DocumentEncoding.droppingUTF8BOM(bytes)) }
    }

    /// The check of `check(_:)` on a document of `size` bytes read from `source` as the parser
    /// goes, so that no copy of it is held beside libxml2's tree. The bytes to send are then the
    /// source's own from `document.sourceOffset` (or `document.utf8` once re-encoded). Throws
    /// what the source threw: trouble reading says nothing about the document.
    package func check(size: Int, streaming source: some XMLByteSource) throws -> XMLCheckResult {
        // The encoding sniff reads at most 2,052 bytes (a BOM and 512 code units of UTF-32).
        let head = try source.readHead(min(size, 4096))
        if let refusal = refusalBeforeParsing(size: size, head: head) { return refusal }
        var readError: (any Error)?
        var headOffset = 0
        let parsed = SafeParser.parse(head: Array(head.prefix(4)), recordElementStarts: schemas != nil) { destination in
            if headOffset < head.count {
                let count = min(destination.count, head.count - headOffset)
                head.withUnsafeBytes { destination.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[headOffset..<headOffset + count])) }
                headOffset += count
                return count
            }
            do {
                return try source.read(into: destination)
            } catch {
                readError = error
                return -1
            }
        }
        if let readError { throw readError }
        let bom = head.starts(with: DocumentEncoding.utf8BOM) ? DocumentEncoding.utf8BOM.count : 0
        let (prefix, skipped) = DocumentEncoding.declarationPrefix(forHead: Array(head[bom...]))
        return judge(parsed, head: head) { document in
            document.sourceOffset = bom + skipped
            document.sourcePrefix = prefix
        }
    }

    private func refusalBeforeParsing(size: Int, head: [UInt8]) -> XMLCheckResult? {
        if size > maxBytes {
            return refused(.reading, "the XML file is \(size) bytes, over the limit of \(maxBytes) bytes")
        }
        if size == 0 { return refused(.validation, "the XML file is empty") }
        if let reason = EncodingSniff.refusal(EncodingSniff.signals(of: head)) {
            return refused(.validation, reason)
        }
        return nil
    }

    /// The rest of the check on the parsed tree, which is freed when this returns. `head`: the
    /// document's first bytes (at least 4 KB of it); `sendInput` says where the bytes to send
    /// are when they need no re-encoding.
    private func judge(_ outcome: ParseOutcome, head: [UInt8], sendInput: (inout CheckedDocument) -> Void) -> XMLCheckResult {
        let parsed: OwnedDocument
        switch outcome.state {
        case let .doctypeRefused(line, column):
            return refused(.validation, Refusal.doctype, [LineError(line: line, column: column, message: Refusal.doctypeDetail)])
        case let .notWellFormed(errors):
            return refused(.validation, "the XML file is not well-formed", errors)
        case let .parsed(document):
            parsed = document
        }
        guard let root = parsed.root, let rootName = DocumentTree.localName(root) else {
            return refused(.validation, "the XML file has no root element")
        }
        let rootNamespace = DocumentTree.namespaceURI(root)

        var document = CheckedDocument(
            utf8: [], rootName: rootName, rootNamespace: rootNamespace,
            msgHead: MessageExtraction.msgHead(root: root), appRec: MessageExtraction.appRec(root: root))
        sendInput(&document)

        if let encoding = DocumentEncoding.nonUTF8Encoding(of: head, doc: parsed.doc) {
            if DocumentEncoding.containsSignature(root) {
                return XMLCheckResult(document: document, failure: DropFailure(
                    stage: .validation,
                    reason: "the document is in \(encoding) and carries an XML signature; a signed document that is not UTF-8 cannot be re-encoded without breaking its signature"))
            }
            guard let utf8 = DocumentEncoding.reencodedAsUTF8(parsed.doc) else {
                return XMLCheckResult(document: nil, failure: DropFailure(
                    stage: .validation, reason: "the document in \(encoding) could not be re-encoded as UTF-8"))
            }
            document.utf8 = utf8
            document.sourceOffset = nil
            document.originalEncoding = encoding
        }

        if let failure = schemaFailure(parsed, rootName: rootName, rootNamespace: rootNamespace) {
            return XMLCheckResult(document: document, failure: failure)
        }
        return XMLCheckResult(document: document, failure: nil)
    }

    private func schemaFailure(_ parsed: OwnedDocument, rootName: String, rootNamespace: String?) -> DropFailure? {
        guard let namespace = rootNamespace, let schemas, schemas.namespaces.contains(namespace) else {
            guard requireSchema else { return nil }
            let reason = rootNamespace.map {
                "the root element \(rootName) is in namespace \($0), for which no schema is configured"
            } ?? "the root element \(rootName) has no namespace, so no schema can validate it"
            return DropFailure(stage: .validation, reason: reason)
        }
        let errors = SchemaValidation.errors(in: parsed, against: schemas)
        guard !errors.isEmpty else { return nil }
        return DropFailure(stage: .validation, reason: "the XML file does not validate against the schema", errors: errors)
    }

    private func refused(_ stage: FailureStage, _ reason: String, _ errors: [LineError] = []) -> XMLCheckResult {
        XMLCheckResult(document: nil, failure: DropFailure(stage: stage, reason: reason, errors: errors))
    }
}

enum Refusal {
    static let doctype =
        "the XML file has a <!DOCTYPE declaration, which is refused (it is the door for external entities, entity expansion and DTD fetches; no KITH message has one)"
    static let doctypeDetail = "DOCTYPE declarations are not allowed; the parser stopped here without reading it"
}

/// Validates one parsed document against the compiled set with its own validation context.
enum SchemaValidation {
    static func errors(in parsed: OwnedDocument, against schemas: SchemaSet) -> [LineError] {
        let collector = DiagnosticCollector()
        collector.elementStarts = parsed.elementStarts
        let result: Int32 = withThreadErrors(into: collector) {
            guard let context = xmlSchemaNewValidCtxt(schemas.schema) else { return -1 }
            defer { xmlSchemaFreeValidCtxt(context) }
            xmlSchemaSetValidStructuredErrors(context, collectorErrorSink, collector.opaque)
            return xmlSchemaValidateDoc(context, parsed.doc)
        }
        let errors = collector.reportedErrors
        if result != 0 && errors.isEmpty {
            return [LineError(message: result < 0
                ? "the schema validator failed internally (libxml2 code \(result))"
                : "the document does not validate (libxml2 gave no detail)")]
        }
        return errors
    }
}
