import Foundation

/// A validated Altinn drop: everything one correspondence per recipient needs, checked against
/// the server's rules (docs/altinn-correspondence.md §3) before anything is sent, so a
/// refusal is immediate and names the field. Lengths are counted in UTF-16 code units, as
/// .NET's `StringLength` counts them (an emoji is two), not in characters.
package struct AltinnCorrespondence: Sendable, Equatable {
    package var resourceId: String
    package var sendersReference: String
    package var recipients: [AltinnRecipient]
    package var language: String
    package var messageTitle: String
    package var messageSummary: String?
    package var messageBody: String
    package var attachmentName: String
    package var isConfirmationNeeded: Bool
    package var dueDateTime: String?
    /// Sorted by key, so the request (and the content hash it depends on) is stable.
    package var propertyList: [(key: String, value: String)]
    package var notification: AltinnNotification?

    package static func == (a: Self, b: Self) -> Bool {
        a.resourceId == b.resourceId && a.sendersReference == b.sendersReference && a.recipients == b.recipients
            && a.language == b.language && a.messageTitle == b.messageTitle && a.messageSummary == b.messageSummary
            && a.messageBody == b.messageBody && a.attachmentName == b.attachmentName
            && a.isConfirmationNeeded == b.isConfirmationNeeded && a.dueDateTime == b.dueDateTime
            && a.propertyList.map(\.key) == b.propertyList.map(\.key) && a.propertyList.map(\.value) == b.propertyList.map(\.value)
            && a.notification == b.notification
    }
}

extension AltinnCorrespondence {
    package static let maxRecipients = 500
    package static let allowedExtensions: Set<String> = [
        "doc", "xls", "docx", "xlsx", "ppt", "pps", "zip", "pdf", "html", "txt", "xml", "jpg", "jpeg", "gif", "bmp",
        "png", "json", "csv", "dcm", "dicom",
    ]

    /// Applies every rule; the first broken one is the refusal (stage `validation`), naming the
    /// field. `defaultResourceId` is `altinn.resourceId`; `dropName` gives `NAME.xml`.
    package static func validate(
        _ sidecar: AltinnSidecar, defaultResourceId: String, dropName: String, now: Date = Date()
    ) throws(DropFailure) -> AltinnCorrespondence {
        func refuse(_ field: String, _ message: String) -> DropFailure {
            DropFailure(stage: .validation, reason: "sidecar \"\(field)\": \(message)")
        }
        // recipients
        guard (1...maxRecipients).contains(sidecar.recipients.count) else {
            throw refuse("recipients", "must list 1 to \(maxRecipients) recipients, not \(sidecar.recipients.count)")
        }
        var recipients: [AltinnRecipient] = []
        var seen: [AltinnRecipient: Int] = [:]
        for (index, text) in sidecar.recipients.enumerated() {
            switch AltinnRecipient.parse(text) {
            case .failure(let problem):
                throw refuse("recipients[\(index)]", problem.description)
            case .success(let recipient):
                if let earlier = seen[recipient] {
                    throw refuse("recipients[\(index)]", "repeats recipients[\(earlier)] (each recipient once)")
                }
                seen[recipient] = index
                recipients.append(recipient)
            }
        }
        // resourceId
        var resource = (sidecar.resourceId ?? defaultResourceId).trimmingCharacters(in: .whitespaces)
        if resource.hasPrefix("urn:altinn:resource:") { resource.removeFirst("urn:altinn:resource:".count) }
        guard !resource.isEmpty else {
            throw refuse("resourceId", "is required (in the sidecar, or altinn.resourceId in the configuration)")
        }
        guard resource.utf16.count <= 255, !resource.contains(":") else {
            throw refuse("resourceId", "must be 1 to 255 characters without ':' (after an optional urn:altinn:resource: prefix)")
        }
        // sendersReference
        guard let reference = sidecar.sendersReference, !reference.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw refuse("sendersReference", "is required (1 to 4096 characters)")
        }
        guard reference.utf16.count <= 4096 else { throw refuse("sendersReference", tooLong(reference, 4096)) }
        // content
        guard let content = sidecar.content else {
            throw refuse("content", "is required (with messageTitle and messageBody)")
        }
        // Blank means the default, as Altinn maps it.
        let given = content.language?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        let language = given.isEmpty ? "nb" : given.lowercased()
        guard ["nb", "nn", "en"].contains(language) else {
            throw refuse("content.language", "must be nb, nn or en")
        }
        guard let title = content.messageTitle, !title.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw refuse("content.messageTitle", "is required (1 to 255 characters of plain text)")
        }
        guard title.utf16.count <= 255 else { throw refuse("content.messageTitle", tooLong(title, 255)) }
        if let problem = PlainText.problem(title) { throw refuse("content.messageTitle", "must be plain text: \(problem)") }
        if let summary = content.messageSummary, summary.utf16.count > 255 {
            throw refuse("content.messageSummary", tooLong(summary, 255))
        }
        guard let body = content.messageBody, !body.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw refuse("content.messageBody", "is required (1 to 30000 characters of Markdown)")
        }
        guard body.utf16.count <= 30_000 else {
            throw refuse("content.messageBody", "is \(body.utf16.count) UTF-16 units, over 30000")
        }
        if let problem = PlainText.markdownProblem(body) { throw refuse("content.messageBody", "must be Markdown: \(problem)") }
        // confirmation and due date
        let confirmation = sidecar.isConfirmationNeeded ?? false
        if let due = sidecar.dueDateTime {
            guard let date = ISODate.parse(due) else {
                throw refuse("dueDateTime", "must be an ISO 8601 date and time with an offset, e.g. 2026-10-01T12:00:00+02:00")
            }
            guard date >= now else { throw refuse("dueDateTime", "is in the past") }
        } else if confirmation {
            throw refuse("dueDateTime", "is required when isConfirmationNeeded is true")
        }
        // propertyList (a key is echoed in a refusal: clipped, and never with a person's number)
        func shown(_ key: String) -> String { PersonNumberMask.mask(String(key.prefix(60))) }
        let properties = (sidecar.propertyList ?? [:]).sorted { $0.key < $1.key }.map { (key: $0.key, value: $0.value) }
        guard properties.count <= 10 else { throw refuse("propertyList", "can hold at most 10 properties") }
        // Form field names are case-insensitive at Altinn: `Saksnr` and `saksnr` would be one field.
        if let clash = Dictionary(grouping: properties.map(\.key), by: { $0.lowercased() }).values.first(where: { $0.count > 1 }) {
            throw refuse("propertyList", "keys that differ only in case (\(clash.sorted().map { "\"\(shown($0))\"" }.joined(separator: ", "))) are one field to Altinn")
        }
        for property in properties {
            guard !property.key.isEmpty, property.key.utf16.count <= 50 else {
                throw refuse("propertyList", "a key must be 1 to 50 characters (\"\(shown(property.key))\")")
            }
            // The upload sends each as the form field `correspondence.propertyList.<key>`: ASP.NET's
            // binder would read `.`, `[` or `]` in the key as nesting and lose the property.
            guard !property.key.contains(where: { $0 == "." || $0 == "[" || $0 == "]" }) else {
                throw refuse("propertyList", "a key may not contain '.', '[' or ']' (\"\(shown(property.key))\"): Altinn's form binding would read it as nesting")
            }
            guard property.value.utf16.count <= 300 else {
                throw refuse("propertyList.\(shown(property.key))", tooLong(property.value, 300))
            }
        }
        // notification
        let notification = try sidecar.notification.map { (n) throws(DropFailure) -> AltinnNotification in
            try NotificationRules.check(n)
        }
        // attachmentName
        let attachment = sidecar.attachmentName ?? (dropName + ".xml")
        if let problem = FileNameRules.problem(attachment) {
            throw refuse("attachmentName", sidecar.attachmentName == nil ? "the default \(problem) (set attachmentName)" : problem)
        }
        return AltinnCorrespondence(
            resourceId: resource, sendersReference: reference, recipients: recipients, language: language,
            messageTitle: title, messageSummary: content.messageSummary, messageBody: body, attachmentName: attachment,
            isConfirmationNeeded: confirmation, dueDateTime: sidecar.dueDateTime, propertyList: properties,
            notification: notification)
    }
}

/// A length refusal as Altinn counts length: UTF-16 code units (.NET's `string.Length`).
func tooLong(_ text: String, _ limit: Int) -> String {
    let units = text.utf16.count
    return units == text.count
        ? "is \(units) characters long, over \(limit)"
        : "is \(units) UTF-16 units long (as Altinn counts: an emoji or a character outside the BMP is two), over \(limit)"
}

/// The API's file-name rules for attachments (errors 2010–2013, 2021).
package enum FileNameRules {
    static let forbidden: Set<Character> = ["<", ">", ":", "\"", "/", "\\", "|", "?", "*"]
    static let reserved: Set<String> = {
        var names: Set<String> = ["CON", "PRN", "AUX", "NUL"]
        for n in 1...9 {
            names.insert("COM\(n)")
            names.insert("LPT\(n)")
        }
        return names
    }()

    package static func problem(_ name: String) -> String? {
        if name.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return "must not be blank" }
        if name.utf16.count > 255 { return tooLong(name, 255) }
        if name.contains(where: { forbidden.contains($0) || $0.unicodeScalars.contains { $0.properties.generalCategory == .control } }) {
            return "must not contain < > : \" / \\ | ? * or control characters"
        }
        let base = name.split(separator: ".", omittingEmptySubsequences: false).first.map(String.init) ?? name
        if reserved.contains(base.uppercased()) { return "\"\(base)\" is a reserved Windows device name" }
        guard let dot = name.lastIndex(of: "."),
            AltinnCorrespondence.allowedExtensions.contains(name[name.index(after: dot)...].lowercased())
        else {
            return "must end in an extension Altinn allows (.xml, .pdf, .txt, …)"
        }
        return nil
    }
}

/// Plain text and Markdown as the server judges them (errors 1002, 1003).
package enum PlainText {
    /// A title is refused when it is Markdown or HTML: a heading marker at a line start, or a tag.
    package static func problem(_ text: String) -> String? {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            let hashes = trimmed.prefix { $0 == "#" }
            if (1...6).contains(hashes.count), trimmed.dropFirst(hashes.count).first.map({ $0 == " " }) ?? true {
                return "a line starts with a Markdown heading (#)"
            }
        }
        if containsTag(Substring(text)) { return "it contains an HTML tag" }
        return nil
    }

    /// Markdown with raw HTML outside code is refused; code spans and fenced blocks may hold anything.
    package static func markdownProblem(_ text: String) -> String? {
        var inFence = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                inFence.toggle()
                continue
            }
            if inFence || line.hasPrefix("    ") || line.hasPrefix("\t") { continue }
            // Code spans: every other backtick-delimited run is code.
            let outside = line.split(separator: "`", omittingEmptySubsequences: false).enumerated()
                .filter { $0.offset.isMultiple(of: 2) }.map(\.element)
            if outside.contains(where: containsTag) { return "raw HTML outside code is not allowed" }
        }
        return nil
    }

    static func containsTag(_ text: Substring) -> Bool {
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "<") {
            let next = text.index(after: open)
            guard next < text.endIndex else { return false }
            let c = text[next]
            if (c.isASCII && c.isLetter) || c == "/" || c == "!" || c == "?",
                text[next...].contains(">")
            {
                return true
            }
            index = next
        }
        return false
    }
}

/// ISO 8601 with an offset (or Z), with or without fractions.
package enum ISODate {
    package static func parse(_ text: String) -> Date? {
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let date = plain.date(from: text) { return date }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }
}
