#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One correspondence (one recipient) as the simulated service keeps it.
struct StoredCorrespondence: Sendable {
    let id: UUID
    /// The Maskinporten client that sent it (the only one that may read it as sender).
    let senderClientID: String
    let recipient: RecipientIdentifier
    let idempotentKey: UUID?
    let resourceId: String
    let request: CorrespondenceRequest.Correspondence
    let attachments: [StoredAttachment]
    let created: Date
    var timeline: CorrespondenceTimeline
}

struct StoredAttachment: Sendable {
    let id: UUID
    let metadata: CorrespondenceRequest.AttachmentMetadata
    let size: Int
    let sha256: String
    let md5: String
}

/// What `/_sim/correspondences` shows of one received correspondence (no message body, no
/// attachment content: their hashes prove what arrived).
public struct ReceivedCorrespondence: Sendable, Codable, Equatable {
    public struct Attachment: Sendable, Codable, Equatable {
        public var attachmentId: String
        public var fileName: String
        public var size: Int
        public var sha256: String
    }

    public var correspondenceId: String
    public var recipient: String
    public var resourceId: String
    public var sendersReference: String
    public var idempotentKey: String?
    public var messageTitle: String
    public var created: Date
    public var status: CorrespondenceStatus
    public var statusText: String
    public var attachments: [Attachment]
}

extension StoredCorrespondence {
    func received(at now: Date) -> ReceivedCorrespondence {
        let current = timeline.current(at: now)
        return ReceivedCorrespondence(
            correspondenceId: id.uuidString.lowercased(), recipient: recipient.urn, resourceId: resourceId,
            sendersReference: request.sendersReference ?? "", idempotentKey: idempotentKey?.uuidString.lowercased(),
            messageTitle: request.content?.messageTitle ?? "", created: created, status: current.status,
            statusText: current.statusText,
            attachments: attachments.map {
                .init(attachmentId: $0.id.uuidString.lowercased(), fileName: $0.metadata.fileName ?? "", size: $0.size, sha256: $0.sha256)
            })
    }
}
