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
