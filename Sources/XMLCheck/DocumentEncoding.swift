import CLibXML2
import DropbridgeCore

/// Which encoding a dropped document arrived in, and how to turn it into the UTF-8 bytes NHN
/// wants (no BOM, declaration saying UTF-8).
enum DocumentEncoding {
    static let utf8BOM: [UInt8] = [0xEF, 0xBB, 0xBF]

    /// The original encoding when it is not UTF-8, else nil. Decided from a UTF-16 byte-order
    /// mark or byte pattern first, then from the declaration libxml2 read.
    static func nonUTF8Encoding(of bytes: [UInt8], doc: xmlDocPtr) -> String? {
        if bytes.starts(with: [0xFE, 0xFF]) || bytes.starts(with: [0x00, 0x3C, 0x00]) { return "UTF-16BE" }
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0x3C, 0x00, 0x3F, 0x00]) { return "UTF-16LE" }
        // A declaration naming another encoding wins even after a UTF-8 BOM: the bytes sent
        // must say UTF-8, so such a document is re-serialized too.
        guard let declared = LibXML.string(doc.pointee.encoding) else { return nil }
        let name = declared.uppercased()
        return name == "UTF-8" || name == "UTF8" ? nil : name
    }

    static func droppingUTF8BOM(_ bytes: [UInt8]) -> [UInt8] {
        bytes.starts(with: utf8BOM) ? Array(bytes.dropFirst(3)) : bytes
    }

    /// NHN wants UTF-8 that says so (docs/nhn-edi.md §3.2, §11.14): a UTF-8 document without a
    /// declaration gets `<?xml version="1.0" encoding="UTF-8"?>`, one whose declaration names no
    /// encoding gets `encoding="UTF-8"` after its version. Nothing else changes (an XML
    /// signature never covers the declaration). `bytes` is UTF-8 without a BOM.
    static func declaringUTF8(_ bytes: [UInt8]) -> [UInt8] {
        let open = Array("<?xml".utf8)
        guard bytes.starts(with: open), bytes.count > open.count, [0x20, 0x09, 0x0D, 0x0A].contains(bytes[open.count]) else {
            return Array(#"<?xml version="1.0" encoding="UTF-8"?>"#.utf8) + [0x0A] + bytes
        }
        // The declaration is ASCII and short; its end is the first "?>".
        guard let end = (open.count..<min(bytes.count - 1, 512)).first(where: { bytes[$0] == 0x3F && bytes[$0 + 1] == 0x3E }) else {
            return bytes
        }
        let declaration = String(decoding: bytes[..<end], as: UTF8.self)
        if declaration.contains("encoding") { return bytes }
        // After the version pseudo-attribute's closing quote (XML 1.0 §2.8: version comes first).
        guard let version = declaration.range(of: "version") else { return bytes }
        let afterName = declaration[version.upperBound...]
        guard let quoteStart = afterName.firstIndex(where: { $0 == "\"" || $0 == "'" }) else { return bytes }
        let quote = afterName[quoteStart]
        guard let quoteEnd = afterName[afterName.index(after: quoteStart)...].firstIndex(of: quote) else { return bytes }
        let insertAt = declaration.utf8.distance(from: declaration.startIndex, to: declaration.index(after: quoteEnd))
        return Array(bytes[..<insertAt]) + Array(#" encoding="UTF-8""#.utf8) + Array(bytes[insertAt...])
    }

    /// `declaringUTF8` for a document sent from its file: given the document's first bytes
    /// (without a BOM; the declaration lies within its first 512), the bytes to send before the
    /// file's own and how many of the file's first bytes they stand for, so that
    /// `prefix + file[skipped...]` is `declaringUTF8(file)`. `([], 0)` when nothing changes.
    static func declarationPrefix(forHead head: [UInt8]) -> (prefix: [UInt8], skipped: Int) {
        let declared = declaringUTF8(head)
        guard declared != head else { return ([], 0) }
        // `declared` is `head` with bytes inserted: after their common start, the rest is `head`'s
        // own rest shifted by the inserted count.
        let common = zip(declared, head).prefix(while: { $0 == $1 }).count
        let inserted = declared.count - head.count
        return (Array(declared[..<(common + inserted)]), common)
    }

    /// Serializes the whole document (prolog comments included) as UTF-8 without reformatting;
    /// libxml2 writes a declaration with encoding="UTF-8".
    static func reencodedAsUTF8(_ doc: xmlDocPtr) -> [UInt8]? {
        var memory: UnsafeMutablePointer<xmlChar>?
        var size: Int32 = 0
        xmlDocDumpFormatMemoryEnc(doc, &memory, &size, "UTF-8", 0)
        guard let memory, size > 0 else { return nil }
        defer { dropbridge_xml_free(memory) }
        return Array(UnsafeBufferPointer(start: memory, count: Int(size)))
    }

    /// True when the document carries an XML-DSig `Signature` anywhere: re-encoding would break it.
    static func containsSignature(_ root: xmlNodePtr) -> Bool {
        var found = false
        DocumentTree.forEachElement(under: root) { element in
            if !found, DocumentTree.isElement(element, named: "Signature", in: KITHNamespace.xmldsig) { found = true }
        }
        return found
    }
}
