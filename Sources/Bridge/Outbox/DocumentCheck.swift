import DropbridgeCore
import XMLCheck

/// The checks a document passes before it may be sent, shared by the outbox and
/// `dropbridge validate` so that both judge a file exactly alike.
package enum DocumentCheck {
    /// From the bytes as dropped to the checked document: inflate `.xml.gz` under `maxBytes`,
    /// parse safely and validate, and require what NHN carries (a MsgHead, or an AppRec).
    package static func check(
        _ dropped: [UInt8], gzipped: Bool, validator: XMLValidator, maxBytes: Int
    ) throws(DropFailure) -> CheckedDocument {
        guard dropped.count <= maxBytes else {
            throw DropFailure(
                stage: .reading, reason: "the file is \(dropped.count) bytes, over outbox.maxBytes (\(maxBytes))")
        }
        let xml = gzipped ? try Gzip.inflate(dropped, maxBytes: maxBytes) : dropped
        return try nhnDocument(validator.check(xml))
    }

    /// `check` of a plain (not gzipped) document of `size` bytes read from `source` as it is
    /// parsed, so that only libxml2's tree is in memory; the bytes to send stay in the source
    /// (`sourceOffset`) unless re-encoded. Throws what the source threw (trouble reading).
    package static func check(
        size: Int, streaming source: some XMLByteSource, validator: XMLValidator
    ) throws -> Result<CheckedDocument, DropFailure> {
        let checked = try validator.check(size: size, streaming: source)
        return Result { () throws(DropFailure) in try nhnDocument(checked) }
    }

    /// What NHN carries: a valid MsgHead, or an AppRec.
    private static func nhnDocument(_ checked: XMLCheckResult) throws(DropFailure) -> CheckedDocument {
        if let failure = checked.failure { throw failure }
        guard let document = checked.document else {
            throw DropFailure(stage: .validation, reason: "the XML could not be read")
        }
        guard document.rootNamespace == KITHNamespace.msgHead || document.appRec != nil else {
            throw DropFailure(
                stage: .validation,
                reason: "an NHN drop must be a MsgHead (or an AppRec); the root element is {\(document.rootNamespace ?? "")}\(document.rootName)")
        }
        return document
    }

    /// An Altinn attachment: any well-formed XML, schema-checked when the set has its
    /// namespace (no MsgHead required). Returns the XML as sent (inflated).
    package static func checkAnyXML(
        _ dropped: [UInt8], gzipped: Bool, validator: XMLValidator, maxBytes: Int
    ) throws(DropFailure) -> [UInt8] {
        guard dropped.count <= maxBytes else {
            throw DropFailure(
                stage: .reading, reason: "the file is \(dropped.count) bytes, over outbox.maxBytes (\(maxBytes))")
        }
        let xml = gzipped ? try Gzip.inflate(dropped, maxBytes: maxBytes) : dropped
        let lenient = XMLValidator(schemas: validator.schemas, requireSchema: false, maxBytes: validator.maxBytes)
        if let failure = lenient.check(xml).failure { throw failure }
        return xml
    }

    /// `checkAnyXML` of a plain document of `size` bytes read from `source` as it is parsed (only
    /// libxml2's tree in memory); the attachment is then sent from the file as dropped.
    package static func checkAnyXML(
        size: Int, streaming source: some XMLByteSource, validator: XMLValidator
    ) throws -> DropFailure? {
        let lenient = XMLValidator(schemas: validator.schemas, requireSchema: false, maxBytes: validator.maxBytes)
        return try lenient.check(size: size, streaming: source).failure
    }
}
