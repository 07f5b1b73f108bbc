import AltinnClient
import DropbridgeCore
import Foundation

/// What Altinn's sender side offers the bridge: a seam so the channel can be tested without
/// HTTP; `AltinnClient` is the real one.
public protocol CorrespondenceSender: Sendable {
    func upload(_ upload: CorrespondenceUpload) async -> AltinnClient.UploadOutcome
    func correspondenceIds(resourceId: String, idempotentKey: String) async -> Result<[String], AltinnFailure>
    func overview(correspondenceId: String) async -> Result<CorrespondenceOverview?, AltinnFailure>
    func statusHistory(correspondenceId: String) async -> Result<[CorrespondenceOverview]?, AltinnFailure>
}

extension AltinnClient: CorrespondenceSender {}
