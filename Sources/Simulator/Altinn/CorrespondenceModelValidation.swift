/// ASP.NET model validation of `InitializeCorrespondencesExt` (docs/altinn-correspondence.md §3, step 1): the
/// attribute checks, all reported at once in the validation-error shape.
enum CorrespondenceModelValidation {
    static func check(_ request: CorrespondenceRequest) throws(AltinnProblem) {
        var errors: [AltinnProblem.ValidationError] = []
        func add(_ path: String, _ message: String) { errors.append(.init(path: path, message: message)) }
        // `[Required]` on a string refuses null, empty and white space alike (AllowEmptyStrings is
        // false); a field only C#'s `required` (no attribute, e.g. an attachment's FileName) refuses
        // only its absence, and a blank one meets the business rule (2010).
        func required(_ value: String?, _ path: String, _ name: String, attribute: Bool = true) -> Bool {
            guard let value, !(attribute && value.allSatisfy(\.isWhitespace)) else {
                add(path, "The \(name) field is required.")
                return false
            }
            return true
        }
        func length(_ value: String?, _ path: String, _ name: String, min: Int = 0, max: Int) {
            // .NET string lengths count UTF-16 code units.
            guard let value else { return }
            let count = value.utf16.count
            if count < min || count > max {
                add(
                    path,
                    min > 0
                        ? "The field \(name) must be a string with a minimum length of \(min) and a maximum length of \(max)."
                        : "The field \(name) must be a string with a maximum length of \(max).")
            }
        }

        if let recipients = request.recipients {
            if let problem = recipientListProblem(recipients) { add("Recipients", problem) }
        } else {
            add("Recipients", "The Recipients field is required.")
        }
        if let key = request.idempotentKey, key.uuidString == "00000000-0000-0000-0000-000000000000" {
            add("IdempotentKey", "The idempotency key must be a valid non-empty GUID")
        }
        guard let correspondence = request.correspondence else {
            add("Correspondence", "The Correspondence field is required.")
            throw .validation(errors)
        }
        let base = "Correspondence."
        if required(correspondence.resourceId, base + "ResourceId", "ResourceId") {
            length(correspondence.resourceId, base + "ResourceId", "ResourceId", min: 1, max: 255)
            if let id = correspondence.resourceId, resourceIdentifier(id) == nil {
                add(base + "ResourceId", "The resourceId is not a valid resource identifier")
            }
        }
        if required(correspondence.sendersReference, base + "SendersReference", "SendersReference") {
            length(correspondence.sendersReference, base + "SendersReference", "SendersReference", min: 1, max: 4096)
        }
        length(correspondence.messageSender, base + "MessageSender", "MessageSender", max: 255)
        if let content = correspondence.content {
            let path = base + "Content."
            if let language = content.language, !language.allSatisfy(\.isWhitespace), language.count != 2 {
                add(path + "Language", "The ISO6391 field must be exactly 2 characters long!")
            }
            if required(content.messageTitle, path + "MessageTitle", "MessageTitle") {
                length(content.messageTitle, path + "MessageTitle", "MessageTitle", min: 1, max: 255)
            }
            length(content.messageSummary, path + "MessageSummary", "MessageSummary", max: 255)
            if required(content.messageBody, path + "MessageBody", "MessageBody") {
                length(content.messageBody, path + "MessageBody", "MessageBody", min: 1, max: 30_000)
            }
            for (index, attachment) in content.attachments.enumerated() {
                let item = path + "Attachments[\(index)]."
                if required(attachment.fileName, item + "FileName", "FileName", attribute: false) {
                    length(attachment.fileName, item + "FileName", "FileName", max: 255)
                }
                length(attachment.displayName, item + "DisplayName", "DisplayName", max: 255)
                if required(attachment.sendersReference, item + "SendersReference", "SendersReference") {
                    length(attachment.sendersReference, item + "SendersReference", "SendersReference", min: 1, max: 4096)
                }
                if let checksum = attachment.checksum, !checksum.isEmpty, !isLowerCaseMD5(checksum) {
                    add(item + "Checksum", "The checksum, if used, must be a MD5 hash in lower case")
                }
            }
        } else {
            add(base + "Content", "The Content field is required.")
        }
        if let references = correspondence.externalReferences {
            if references.count > 10 {
                add(base + "ExternalReferences", "externalReferences can contain at most 10 references")
            } else if references.contains(where: { $0.referenceType == "DialogportenTransmissionId" }) {
                add(base + "ExternalReferences", "Cannot initialize a correspondence with pre-existing transmission defined")
            }
        }
        if let problem = propertyListProblem(correspondence.propertyList) { add(base + "PropertyList", problem) }
        if let notification = correspondence.notification {
            let path = base + "Notification."
            length(notification.emailSubject, path + "EmailSubject", "EmailSubject", max: 512)
            length(notification.emailBody, path + "EmailBody", "EmailBody", max: 10_000)
            length(notification.smsBody, path + "SmsBody", "SmsBody", max: 2_144)
            length(notification.reminderEmailSubject, path + "ReminderEmailSubject", "ReminderEmailSubject", max: 512)
            length(notification.reminderEmailBody, path + "ReminderEmailBody", "ReminderEmailBody", max: 10_000)
            length(notification.reminderSmsBody, path + "ReminderSmsBody", "ReminderSmsBody", max: 2_144)
        }
        guard errors.isEmpty else { throw .validation(errors) }
    }

    /// `RecipientListAttribute`: 1–500, no blanks, each in one of the formats.
    static func recipientListProblem(_ recipients: [String]) -> String? {
        if recipients.isEmpty { return "Recipients can not be empty" }
        if recipients.count > 500 { return "Recipients can contain at most 500 recipients" }
        for recipient in recipients {
            if let problem = RecipientIdentifier.formatProblem(recipient) { return problem }
        }
        return nil
    }

    /// `PropertyListAttribute`: at most 10 entries, keys ≤ 50, values ≤ 300.
    static func propertyListProblem(_ list: [(key: String, value: String)]) -> String? {
        if list.count > 10 { return "propertyList can contain at most 10 properties" }
        for (key, value) in list {
            if key.utf16.count > 50 {
                return "propertyList Key can not be longer than 50. Length:\(key.utf16.count), KeyValue:\(key)"
            }
            if value.utf16.count > 300 {
                return "propertyList Value can not be longer than 300. Length:\(value.utf16.count), Value:\(value)"
            }
        }
        return nil
    }

    /// The resource id without an optional `urn:altinn:resource:` prefix; nil when what is
    /// left is empty or has a `:`.
    static func resourceIdentifier(_ value: String) -> String? {
        let prefix = "urn:altinn:resource:"
        let id = value.lowercased().hasPrefix(prefix) ? String(value.dropFirst(prefix.count)) : value
        return id.isEmpty || id.contains(":") ? nil : id
    }

    static func isLowerCaseMD5(_ text: String) -> Bool {
        text.utf8.count == 32 && text.utf8.allSatisfy { (48...57).contains($0) || (97...102).contains($0) }
    }
}
