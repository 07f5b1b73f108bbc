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
package struct ReceivedCorrespondence: Sendable, Codable, Equatable {
    package struct Attachment: Sendable, Codable, Equatable {
        package var attachmentId: String
        package var fileName: String
        package var size: Int
        package var sha256: String
    }

    package var correspondenceId: String
    package var recipient: String
    package var resourceId: String
    package var sendersReference: String
    package var idempotentKey: String?
    package var messageTitle: String
    package var created: Date
    package var status: CorrespondenceStatus
    package var statusText: String
    package var attachments: [Attachment]
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
