#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The business checks after idempotency (docs/altinn-correspondence.md §3, step 4), in the service's order, each
/// answered with its errorCode. Pure: settings and the clock come in.
struct CorrespondenceBusinessRules: Sendable {
    let settings: CorrespondenceSettings
    let now: Date

    /// A file part of the multipart upload, hashed as it is taken from the body (outside the
    /// state actor, so large files do not hold up other requests).
    struct UploadedFile: Sendable {
        let fileName: String?
        let content: [UInt8]
        let md5: String
        let sha256: String

        init(fileName: String?, content: [UInt8]) {
            self.fileName = fileName
            self.content = content
            md5 = Checksums.md5Hex(content)
            sha256 = Checksums.sha256Hex(content)
        }
    }

    static let allowedExtensions: Set<String> = [
        "doc", "xls", "docx", "xlsx", "ppt", "pps", "zip", "pdf", "html", "txt", "xml", "jpg", "jpeg", "gif", "bmp",
        "png", "json", "csv", "dcm", "dicom",
    ]

    /// Runs every check; returns the normalised recipients and the files matched to their
    /// metadata (by index).
    func check(
        _ request: CorrespondenceRequest, files: [UploadedFile]?
    ) throws(AltinnProblem) -> (recipients: [RecipientIdentifier], files: [UploadedFile]) {
        // Model validation has run: these are present.
        guard let correspondence = request.correspondence, let content = correspondence.content,
            let rawResource = correspondence.resourceId, let resourceId = CorrespondenceModelValidation.resourceIdentifier(rawResource)
        else { throw .badRequest(1019, "The Content field must be provided for the correspondence") }

        // Resource and rights.
        guard settings.resourceIds.contains(resourceId) else {
            throw .badRequest(1036, "ResourceId must match an existing resource in the resource registry")
        }
        let confidentialResource = settings.confidentialResourceIds.contains(resourceId)
        if confidentialResource, !correspondence.isConfidential {
            throw .badRequest(
                1060,
                "Confidential correspondences (resources with the access package post-til-virksomheten-med-taushetsbelagt-innhold) cannot be initialized without setting the 'IsConfidential' flag to true")
        }
        if !confidentialResource, correspondence.isConfidential {
            throw .badRequest(
                1061, "Correspondences cannot be initialized with 'IsConfidential' flag set to true if the resource is not confidential")
        }
        let uploadedBytes = (files ?? []).reduce(0) { $0 + $1.content.count }
        if correspondence.allowForwarding, uploadedBytes > 10_000_000 {
            throw .badRequest(1069, "Forwarding is not allowed for correspondences with attachments larger than 10 MB")
        }

        // Recipients: unique after normalisation, known to Register, not reserved in KRR.
        let recipients = (request.recipients ?? []).compactMap(RecipientIdentifier.parse)
        guard Set(recipients.map(\.urn)).count == recipients.count else {
            throw .badRequest(1006, "Recipients must be unique")
        }
        let unknown = recipients.filter {
            CorrespondenceSettings.names(settings.unknownRecipients, $0)
                || ($0.kind == .organization && !RecipientIdentifier.isOrganizationNumber($0.identifier))
        }
        if !unknown.isEmpty {
            throw .business(
                .notFound, 1029,
                "Could not find partyId for the following recipients: \(unknown.map(\.urn).joined(separator: ", "))")
        }
        if recipients.count == 1, let only = recipients.first, correspondence.ignoreReservation != true,
            CorrespondenceSettings.names(settings.reservedRecipients, only)
        {
            throw .business(
                .unprocessableContent, 1030,
                "Recipient \(only.urn) has reserved themselves from public correspondences. Can be overridden using the 'IgnoreReservation' flag.")
        }

        // Dates.
        if correspondence.isConfirmationNeeded, correspondence.dueDateTime == nil {
            throw .badRequest(1016, "DueDateTime is required when confirmation is needed")
        }
        if let due = correspondence.dueDateTime {
            if due < now { throw .badRequest(1008, "DueDateTime cannot be prior to today") }
            if let publish = correspondence.requestedPublishTime, due < publish {
                throw .badRequest(1009, "DueDateTime cannot be prior to RequestedPublishTime")
            }
        }

        // Content.
        if let language = content.language, !language.allSatisfy(\.isWhitespace),
            !["nb", "nn", "en"].contains(language.lowercased())
        {
            throw .badRequest(
                1023, "Invalid language chosen. Supported languages is Norsk bokmål (nb), Nynorsk (nn) and English (en)")
        }
        let title = content.messageTitle ?? ""
        if title.allSatisfy(\.isWhitespace) { throw .badRequest(1020, "Message title cannot be empty") }
        if !TextFormatRules.isPlainText(title) { throw .badRequest(1002, "Message title must be plain text") }
        let body = content.messageBody ?? ""
        if body.allSatisfy(\.isWhitespace) { throw .badRequest(1021, "Message body cannot be empty") }
        if body.utf16.count > 30_000 { throw .badRequest(1022, "Message body cannot exceed 30000 characters") }
        if !TextFormatRules.isMarkdown(body) { throw .badRequest(1003, "Message body must be markdown") }
        if let sender = correspondence.messageSender, !TextFormatRules.isPlainText(sender) {
            throw .badRequest(1039, "Message sender must be plain text")
        }
        for option in correspondence.replyOptions {
            guard let link = option.linkURL, link.utf16.count <= 255, let url = URL(string: link),
                url.scheme?.lowercased() == "https", url.host?.isEmpty == false
            else {
                throw .badRequest(1035, "Reply options must be well-formed URIs and HTTPS with a max length of 255 characters")
            }
        }

        // Attachments.
        let metadata = content.attachments
        if metadata.count + request.existingAttachments.count > 100 {
            throw .badRequest(1038, "A correspondence cannot contain more than 100 attachments in total")
        }
        // The simulator has no separate attachment flow, so no existing attachment can be found.
        if !request.existingAttachments.isEmpty {
            throw .badRequest(1007, "Existing attachment not found")
        }
        for attachment in metadata {
            try checkFileName(attachment.fileName ?? "")
            if let days = attachment.expirationInDays {
                let minimum = settings.isProduction ? 14 : 1
                if days < minimum {
                    throw .badRequest(2017, "Attachment expirationTime must be at least \(minimum) days from now")
                }
            }
        }
        if let notification = correspondence.notification {
            try NotificationRules.check(notification, recipientCount: recipients.count)
        }

        // Files: one `attachments` part per metadata entry, then their sizes and checksums.
        let matched = try match(files: files, to: metadata)
        for (file, attachment) in zip(matched, metadata) {
            guard !file.content.isEmpty, file.content.count <= settings.maxAttachmentBytes else {
                throw .badRequest(2004, "File must have content and has a max file size of \(settings.maxAttachmentBytes)")
            }
            if let checksum = attachment.checksum, !checksum.isEmpty, file.md5 != checksum {
                throw .badRequest(2008, "Checksum mismatch")
            }
        }
        return (recipients, matched)
    }

    /// Index matching when the names agree, else by unique name; a JSON request (no files) may
    /// not carry new attachments.
    func match(files: [UploadedFile]?, to metadata: [CorrespondenceRequest.AttachmentMetadata]) throws(AltinnProblem) -> [UploadedFile] {
        let mismatch = AltinnProblem.badRequest(1005, "Mismatch between uploaded files and attachment metadata")
        guard let files else {
            if metadata.isEmpty { return [] }
            throw mismatch
        }
        guard files.count == metadata.count else { throw mismatch }
        if zip(files, metadata).allSatisfy({ $0.fileName == $1.fileName }) { return files }
        var matched: [UploadedFile] = []
        for attachment in metadata {
            let candidates = files.filter { $0.fileName == attachment.fileName }
            guard candidates.count == 1, let file = candidates.first else { throw mismatch }
            matched.append(file)
        }
        return matched
    }

    /// The file-name rules of `/upload` (2010–2013, 2021).
    func checkFileName(_ name: String) throws(AltinnProblem) {
        if name.allSatisfy(\.isWhitespace) { throw .badRequest(2010, "Filename is missing") }
        if name.utf16.count > 255 { throw .badRequest(2011, "Filename is too long") }
        // The service's order: the type is judged before the characters (`AttachmentHelper.ValidateAttachmentName`).
        let pieces = name.split(separator: ".", omittingEmptySubsequences: false)
        guard pieces.count > 1, let fileExtension = pieces.last, Self.allowedExtensions.contains(fileExtension.lowercased()) else {
            throw .badRequest(2013, "Filetype not allowed")
        }
        let forbidden = Set("<>:\"/\\|?*")
        if name.contains(where: { forbidden.contains($0) }) || name.unicodeScalars.contains(where: { $0.value < 32 }) {
            throw .badRequest(
                2012,
                "Filename contains invalid characters. The ruleset is based on Windows file naming convention which is defined here: https://learn.microsoft.com/en-us/windows/win32/fileio/naming-a-file#file-and-directory-names")
        }
        let stem = String(pieces.first ?? "").uppercased()
        let reserved = Set(["CON", "PRN", "AUX", "NUL"]).union((1...9).flatMap { ["COM\($0)", "LPT\($0)"] })
        if reserved.contains(stem) {
            throw .badRequest(
                2021,
                "The filename uses a Windows reserved name. Files cannot be named CON, PRN, AUX, NUL, COM1-COM9, or LPT1-LPT9 (e.g., 'CON.txt' is not allowed, but 'CONSOLE.txt' is).")
        }
    }
}
