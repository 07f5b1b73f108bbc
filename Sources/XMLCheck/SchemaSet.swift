import CLibXML2
import DropbridgeCore
import Foundation

/// Why a schema folder could not be compiled. Each detail names a file and, when known, a line.
package struct SchemaSetError: Error, CustomStringConvertible, Sendable {
    package var reason: String
    /// `FILE:LINE: message` lines from libxml2.
    package var details: [String]

    package init(reason: String, details: [String] = []) {
        self.reason = reason
        self.details = details
    }

    package var description: String {
        ([reason] + details.map { "  \($0)" }).joined(separator: "\n")
    }
}

/// One compiled schema set covering every `*.xsd` in a folder, so a MsgHead's strict `Content`
/// wildcard can resolve any payload namespace in the set (docs/docs/docs/kith-messages.md §5).
///
/// `@unchecked Sendable`: the compiled schema is never changed after `compile`, and libxml2
/// only reads it during validation, each validation having its own context.
package final class SchemaSet: @unchecked Sendable {
    let schema: xmlSchemaPtr
    /// Target namespaces in the set.
    package let namespaces: Set<String>
    /// The file that supplied each namespace (the first in name order wins).
    package let files: [String: String]

    private init(schema: xmlSchemaPtr, files: [String: String]) {
        self.schema = schema
        self.files = files
        self.namespaces = Set(files.keys)
    }

    deinit { xmlSchemaFree(schema) }

    package static func compile(directory: String) throws(SchemaSetError) -> SchemaSet {
        LibXML.ensureReady()
        let folder = URL(fileURLWithPath: directory).standardizedFileURL
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: folder.path)
                .filter { $0.lowercased().hasSuffix(".xsd") }
                .sorted()
        } catch {
            throw SchemaSetError(reason: "cannot read the schema folder \(folder.path): \(error.localizedDescription)")
        }
        guard !names.isEmpty else {
            throw SchemaSetError(reason: "the schema folder \(folder.path) holds no *.xsd files")
        }

        var files: [String: String] = [:]
        var order: [String] = []
        for name in names {
            let path = folder.appendingPathComponent(name).path
            guard let namespace = try SchemaFileScan.targetNamespace(ofSchemaAt: path) else { continue }
            if files[namespace] == nil {
                files[namespace] = path
                order.append(namespace)
            }
        }
        guard !order.isEmpty else {
            throw SchemaSetError(reason: "no schema in \(folder.path) has a targetNamespace")
        }

        let driver = driverSchema(importing: order.map { ($0, files[$0] ?? "") })
        let schema = try compileDriver(driver, namespaces: Set(order))
        return SchemaSet(schema: schema, files: files)
    }

    /// A no-namespace schema whose only job is to import every namespace into one set.
    static func driverSchema(importing imports: [(namespace: String, path: String)]) -> String {
        var text = #"<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema">"# + "\n"
        for (namespace, path) in imports {
            let location = LibXML.takeString(xmlPathToURI(path)) ?? path
            text += #"  <xs:import namespace="\#(xmlAttributeEscaped(namespace))" schemaLocation="\#(xmlAttributeEscaped(location))"/>"# + "\n"
        }
        return text + "</xs:schema>\n"
    }

    /// `namespaces`: those the set has. An import libxml2 skipped for a namespace outside them
    /// would leave every reference into it unchecked or failing at validation time: it stops
    /// the compile, naming the namespace.
    private static func compileDriver(_ driver: String, namespaces: Set<String>) throws(SchemaSetError) -> xmlSchemaPtr {
        let collector = DiagnosticCollector()
        let bytes = Array(driver.utf8)
        let schema: xmlSchemaPtr? = withThreadErrors(into: collector) {
            bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress?.withMemoryRebound(to: CChar.self, capacity: buffer.count) { chars in
                    guard let parser = xmlSchemaNewMemParserCtxt(chars, Int32(buffer.count)) else { return nil }
                    defer { xmlSchemaFreeParserCtxt(parser) }
                    xmlSchemaSetParserStructuredErrors(parser, schemaErrorSink, collector.opaque)
                    return xmlSchemaParse(parser)
                }
            }
        }
        guard let schema, collector.fileDiagnostics.isEmpty else {
            if let schema { xmlSchemaFree(schema) }
            var details = collector.fileDiagnostics + collector.errors.map(\.description)
            if details.isEmpty { details = ["libxml2 gave no diagnostic"] }
            throw SchemaSetError(reason: "the schema set could not be compiled", details: details)
        }
        let missing = collector.skippedImports.filter { !namespaces.contains($0.namespace) }
        guard missing.isEmpty else {
            xmlSchemaFree(schema)
            let names = Set(missing.map(\.namespace)).sorted().joined(separator: ", ")
            throw SchemaSetError(
                reason: "the schema set imports namespaces no schema in the folder provides: \(names)",
                details: missing.map { "\($0.location) (namespace \($0.namespace))" })
        }
        return schema
    }
}

/// Schema compile errors keep the file name, which a LineError has no place for.
private let schemaErrorSink: xmlStructuredErrorFunc = { userData, error in
    guard let error, let collector = DiagnosticCollector.from(userData) else { return }
    collector.recordWithFile(UnsafePointer(error))
}

func xmlAttributeEscaped(_ text: String) -> String {
    var out = ""
    for ch in text {
        switch ch {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case "\"": out += "&quot;"
        default: out.append(ch)
        }
    }
    return out
}

/// Reads a schema file's `targetNamespace` (trusted configuration, parsed without network).
enum SchemaFileScan {
    static func targetNamespace(ofSchemaAt path: String) throws(SchemaSetError) -> String? {
        let collector = DiagnosticCollector()
        guard let ctxt = xmlNewParserCtxt() else {
            throw SchemaSetError(reason: "the XML parser could not be started")
        }
        defer { xmlFreeParserCtxt(ctxt) }
        let options = Int32(bitPattern: XML_PARSE_NONET.rawValue)
        let doc = withThreadErrors(into: collector) { xmlCtxtReadFile(ctxt, path, nil, options) }
        guard let doc else {
            throw SchemaSetError(
                reason: "the schema file \(path) is not well-formed XML",
                details: collector.errors.map { "\(path):\($0.description)" })
        }
        defer { xmlFreeDoc(doc) }
        guard let root = xmlDocGetRootElement(doc),
              DocumentTree.isElement(root, named: "schema", in: "http://www.w3.org/2001/XMLSchema")
        else {
            throw SchemaSetError(reason: "the file \(path) is not an XML Schema (its root is not xs:schema)")
        }
        return DocumentTree.attribute(root, "targetNamespace").flatMap { $0.isEmpty ? nil : $0 }
    }
}
