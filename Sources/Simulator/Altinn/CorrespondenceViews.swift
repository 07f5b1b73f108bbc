#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// A JSON value built by hand, so answers carry `null`s and field order as the real service's
/// System.Text.Json output does.
indirect enum AltinnJSON: Encodable, Sendable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case null
    case array([AltinnJSON])
    case object([(String, AltinnJSON)])

    static func optional(_ text: String?) -> AltinnJSON { text.map(AltinnJSON.string) ?? .null }
    static func date(_ date: Date?) -> AltinnJSON { date.map { .string(AltinnDate.format($0)) } ?? .null }
    static func id(_ uuid: UUID) -> AltinnJSON { .string(uuid.uuidString.lowercased()) }

    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        switch self {
        case .string(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .int(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .bool(let value):
            var container = encoder.singleValueContainer()
            try container.encode(value)
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .array(let values):
            var container = encoder.unkeyedContainer()
            for value in values { try container.encode(value) }
        case .object(let members):
            var container = encoder.container(keyedBy: Key.self)
            for (key, value) in members { try container.encode(value, forKey: Key(stringValue: key)) }
        }
    }

    func response(status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? JSONEncoder().encode(self)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// The answers' shapes (reference §5, §6.2, §6.3).
enum CorrespondenceViews {
    static func initializeResponse(_ created: CorrespondenceState.Created) -> AltinnJSON {
        .object([
            ("correspondences", .array(created.correspondences.map {
                .object([
                    ("correspondenceId", .id($0.id)), ("status", .string($0.timeline.initialStatus.name)),
                    ("recipient", .string($0.recipient.urn)), ("notifications", .null),
                ])
            })),
            ("attachmentIds", .array(created.attachmentIds.map(AltinnJSON.id))),
        ])
    }

    static func search(_ ids: [UUID]) -> AltinnJSON {
        .object([("ids", .array(ids.map(AltinnJSON.id)))])
    }

    /// `CorrespondenceOverviewExt`; `details` adds the status history and notifications.
    static func overview(_ stored: StoredCorrespondence, at now: Date, details: Bool = false) -> AltinnJSON {
        let request = stored.request
        let current = stored.timeline.current(at: now)
        let published = stored.timeline.published(at: now)
        let attachmentStatus = stored.timeline.history(at: now).contains { $0.status == .readyForPublish || $0.status == .published }
            ? "Published" : "UploadProcessing"
        let attachments: [AltinnJSON] = stored.attachments.map { attachment in
            .object([
                ("id", .id(attachment.id)), ("created", .date(stored.created)),
                ("dataLocationType", .string("AltinnCorrespondenceAttachment")), ("status", .string(attachmentStatus)),
                ("statusText", .string(attachmentStatus)), ("statusChanged", .date(attachmentStatus == "Published" ? stored.timeline.publishAt : stored.created)),
                ("expirationTime", .date(attachment.metadata.expirationInDays.map { (published ?? stored.timeline.publishAt) + Double($0) * 86_400 })),
                ("fileName", .optional(attachment.metadata.fileName)), ("displayName", .optional(attachment.metadata.displayName)),
                ("isEncrypted", .bool(attachment.metadata.isEncrypted)), ("checksum", .string(attachment.md5)),
                ("sendersReference", .optional(attachment.metadata.sendersReference)),
                ("dataType", .string(mimeType(attachment.metadata.fileName ?? ""))),
            ])
        }
        // For the sender, content is null once published (§6.2).
        let content: AltinnJSON = published != nil ? .null : .object([
            ("language", .string((request.content?.language ?? "nb").lowercased())),
            ("messageTitle", .optional(request.content?.messageTitle)),
            ("messageSummary", .optional(request.content?.messageSummary)),
            ("messageBody", .optional(request.content?.messageBody)),
            ("attachments", .array(attachments)),
        ])
        var members: [(String, AltinnJSON)] = [
            ("recipient", .string(stored.recipient.urn)),
            ("correspondenceId", .id(stored.id)),
            ("content", content),
            ("created", .date(stored.created)),
            ("status", .string(current.status.name)),
            ("statusText", .string(current.statusText)),
            ("statusChanged", .date(current.statusChanged)),
        ]
        if details {
            members.append(("statusHistory", .array(stored.timeline.history(at: now).map {
                .object([("status", .string($0.status.name)), ("statusText", .string($0.statusText)), ("statusChanged", .date($0.statusChanged))])
            })))
            members.append(("notifications", .array([])))
        } else {
            members.append(("notifications", .array([])))
            members.append(("altinn2CorrespondenceId", .null))
            members.append(("published", .date(published)))
            members.append(("read", .date(stored.timeline.read(at: now))))
        }
        members += [
            ("resourceId", .string(stored.resourceId)),
            // Obsolete and ignored on input; the real service fills in the resource owner.
            ("sender", .null),
            ("sendersReference", .optional(request.sendersReference)),
            ("messageSender", .optional(request.messageSender)),
            ("requestedPublishTime", .date(request.requestedPublishTime ?? stored.created)),
            ("dueDateTime", .date(request.dueDateTime)),
            ("externalReferences", .array((request.externalReferences ?? []).map {
                .object([("referenceValue", .optional($0.referenceValue)), ("referenceType", .string($0.referenceType))])
            })),
            ("propertyList", .object(request.propertyList.map { ($0.key, .string($0.value)) })),
            ("replyOptions", .array(request.replyOptions.map {
                .object([("linkURL", .optional($0.linkURL)), ("linkText", .optional($0.linkText))])
            })),
            ("notification", .null),
            ("ignoreReservation", request.ignoreReservation.map(AltinnJSON.bool) ?? .null),
            ("isConfirmationNeeded", .bool(request.isConfirmationNeeded)),
            ("isConfidential", .bool(request.isConfidential)),
            ("allowForwarding", .bool(request.allowForwarding)),
        ]
        return .object(members)
    }

    static func mimeType(_ fileName: String) -> String {
        switch fileName.split(separator: ".").last?.lowercased() ?? "" {
        case "xml": "application/xml"
        case "pdf": "application/pdf"
        case "json": "application/json"
        case "txt", "csv": "text/plain"
        case "html": "text/html"
        case "zip": "application/zip"
        case "png": "image/png"
        case "jpg", "jpeg": "image/jpeg"
        default: "application/octet-stream"
        }
    }
}
