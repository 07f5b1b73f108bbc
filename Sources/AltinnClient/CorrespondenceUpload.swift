import DropbridgeCore

/// One `POST /correspondence/api/v1/correspondence/upload`: the correspondence for one
/// recipient with its idempotent key, and the drop's XML as its one attachment.
package struct CorrespondenceUpload: Sendable {
    package var correspondence: AltinnCorrespondence
    package var recipient: AltinnRecipient
    package var idempotentKey: String
    /// Lower-case hex MD5 of the attachment; Altinn marks the attachment failed on a mismatch.
    package var checksum: String?
    package var document: MultipartForm.FileSource

    package init(
        correspondence: AltinnCorrespondence, recipient: AltinnRecipient, idempotentKey: String, checksum: String?,
        document: MultipartForm.FileSource
    ) {
        self.correspondence = correspondence
        self.recipient = recipient
        self.idempotentKey = idempotentKey
        self.checksum = checksum
        self.document = document
    }

    /// The JSON model flattened into form fields (`.` and `[i]`, docs/altinn-correspondence.md §4).
    package var fields: [(name: String, value: String)] {
        var fields = Self.contentFields(correspondence, checksum: checksum)
        fields.append(("recipients[0]", recipient.urn))
        fields.append(("idempotentKey", idempotentKey))
        return fields
    }

    /// Every field but the recipient and the key: what each recipient's correspondence says.
    package static func contentFields(_ c: AltinnCorrespondence, checksum: String?) -> [(name: String, value: String)] {
        var fields: [(name: String, value: String)] = [
            ("correspondence.resourceId", c.resourceId),
            ("correspondence.sendersReference", c.sendersReference),
            ("correspondence.content.language", c.language),
            ("correspondence.content.messageTitle", c.messageTitle),
        ]
        if let summary = c.messageSummary { fields.append(("correspondence.content.messageSummary", summary)) }
        fields.append(("correspondence.content.messageBody", c.messageBody))
        fields.append(("correspondence.content.attachments[0].fileName", c.attachmentName))
        fields.append(("correspondence.content.attachments[0].displayName", c.attachmentName))
        fields.append(("correspondence.content.attachments[0].sendersReference", c.sendersReference))
        if let checksum { fields.append(("correspondence.content.attachments[0].checksum", checksum)) }
        fields.append(("correspondence.isConfirmationNeeded", c.isConfirmationNeeded ? "true" : "false"))
        if let due = c.dueDateTime { fields.append(("correspondence.dueDateTime", due)) }
        for property in c.propertyList { fields.append(("correspondence.propertyList.\(property.key)", property.value)) }
        for field in c.notification?.fields ?? [] { fields.append(("correspondence.notification.\(field.key)", field.value)) }
        return fields
    }

    package func form(boundary: String? = nil) -> MultipartForm {
        let type = Self.mediaType(of: correspondence.attachmentName)
        if let boundary {
            return MultipartForm(fields: fields, fileField: "attachments", fileName: correspondence.attachmentName, fileType: type, file: document, boundary: boundary)
        }
        return MultipartForm(fields: fields, fileField: "attachments", fileName: correspondence.attachmentName, fileType: type, file: document)
    }

    private static func mediaType(of name: String) -> String {
        name.lowercased().hasSuffix(".xml") ? "application/xml" : "application/octet-stream"
    }
}
