#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the simulated Correspondence service remembers. One actor, so the idempotency
/// check and the creation it guards are one step: of concurrent duplicates exactly one wins.
actor CorrespondenceState {
    /// What `reset()` returns to.
    let initialSettings: CorrespondenceSettings
    /// Changed at run time through `/_sim/altinn/settings`; each request uses the settings of
    /// the moment it is checked.
    private(set) var settings: CorrespondenceSettings
    private(set) var faults: FaultSettings
    private var dice: FaultDice
    private var correspondences: [UUID: StoredCorrespondence] = [:]
    /// Creation order, for search results (newest first) and inspection.
    private var order: [UUID] = []
    /// The global idempotency table: key → the correspondence it created. Never released.
    private var idempotentKeys: [UUID: UUID] = [:]
    private(set) var refusals: [Int: Int] = [:]

    init(settings: CorrespondenceSettings) {
        initialSettings = settings
        self.settings = settings
        faults = settings.faults
        dice = FaultDice(seed: settings.faults.seed)
    }

    func setSettings(_ newSettings: CorrespondenceSettings) {
        settings = newSettings
    }

    // MARK: Faults

    func setFaults(_ newFaults: FaultSettings) {
        faults = newFaults
        dice = FaultDice(seed: newFaults.seed)
    }

    func decideFault() -> FaultDecision { faults.decide(using: &dice) }

    func shouldResetAfterAccept() -> Bool { dice.happens(rate: faults.resetAfterAcceptRate) }

    // MARK: Creating

    struct Created: Sendable {
        var correspondences: [StoredCorrespondence]
        var attachmentIds: [UUID]
    }

    /// Idempotency, the business rules and the creation, in the service's order (§3.1 steps
    /// 3–5). Nothing is stored, and the key is not used up, when a check refuses.
    func create(
        _ request: CorrespondenceRequest, files: [CorrespondenceBusinessRules.UploadedFile]?, senderClientID: String,
        now: Date = Date()
    ) throws(AltinnProblem) -> Created {
        do {
            return try createChecked(request, files: files, senderClientID: senderClientID, now: now)
        } catch {
            if let code = error.errorCode { refusals[code, default: 0] += 1 }
            throw error
        }
    }

    private func createChecked(
        _ request: CorrespondenceRequest, files: [CorrespondenceBusinessRules.UploadedFile]?, senderClientID: String, now: Date
    ) throws(AltinnProblem) -> Created {
        if let key = request.idempotentKey {
            if (request.recipients ?? []).count > 1 {
                throw .badRequest(1047, "Idempotency key is not supported for requests with multiple recipients")
            }
            if idempotentKeys[key] != nil {
                throw .business(.conflict, 1034, "A correspondence with the same idempotent key already exists")
            }
        }
        let (recipients, matchedFiles) = try CorrespondenceBusinessRules(settings: settings, now: now).check(request, files: files)
        // Model validation guarantees these.
        guard let correspondence = request.correspondence, let rawResource = correspondence.resourceId,
            let resourceId = CorrespondenceModelValidation.resourceIdentifier(rawResource)
        else { throw .badRequest(1019, "The Content field must be provided for the correspondence") }

        let metadata = correspondence.content?.attachments ?? []
        // The files are stored once and shared by every recipient's correspondence.
        let attachments = zip(matchedFiles, metadata).map { file, metadata in
            StoredAttachment(
                id: UUID(), metadata: metadata, size: file.content.count, sha256: file.sha256, md5: file.md5)
        }
        var created: [StoredCorrespondence] = []
        for recipient in recipients {
            let reserved = recipients.count > 1 && correspondence.ignoreReservation != true
                && CorrespondenceSettings.names(settings.reservedRecipients, recipient)
            let timeline = CorrespondenceTimeline(
                created: now, reserved: reserved, hasAttachments: !attachments.isEmpty, scanSeconds: settings.scanSeconds,
                requestedPublishTime: correspondence.requestedPublishTime, failure: settings.failure(for: recipient),
                isConfirmationNeeded: correspondence.isConfirmationNeeded, readSeconds: settings.readSeconds,
                confirmSeconds: settings.confirmSeconds)
            let stored = StoredCorrespondence(
                id: UUID(), senderClientID: senderClientID, recipient: recipient, idempotentKey: request.idempotentKey,
                resourceId: resourceId, request: correspondence, attachments: attachments, created: now, timeline: timeline)
            correspondences[stored.id] = stored
            order.append(stored.id)
            created.append(stored)
        }
        if let key = request.idempotentKey, let first = created.first { idempotentKeys[key] = first.id }
        return Created(correspondences: created, attachmentIds: attachments.map(\.id))
    }

    // MARK: Reading

    func correspondence(_ id: UUID) -> StoredCorrespondence? { correspondences[id] }

    /// `GET …/correspondence` for a sender: ids newest first, at most 1000. With a key, only
    /// that key's correspondence, whatever the other filters say (§13.2).
    func search(_ query: CorrespondenceSearch, senderClientID: String, now: Date = Date()) -> [UUID] {
        if let key = query.idempotentKey {
            return idempotentKeys[key].map { [$0] } ?? []
        }
        var ids: [UUID] = []
        for id in order.reversed() {
            guard let stored = correspondences[id], stored.senderClientID == senderClientID else { continue }
            if let resourceId = query.resourceId, stored.resourceId != resourceId { continue }
            if let reference = query.sendersReference, stored.request.sendersReference != reference { continue }
            if let status = query.status, !stored.timeline.history(at: now).contains(where: { $0.status == status }) { continue }
            let publish = stored.request.requestedPublishTime ?? stored.created
            if let from = query.from, publish <= from { continue }
            if let to = query.to, publish >= to { continue }
            ids.append(id)
            if ids.count == 1000 { break }
        }
        return ids
    }

    // MARK: The recipient's side (steered through /_sim/)

    func markRead(_ id: UUID, now: Date = Date()) throws(CorrespondenceTimeline.RecipientActionRefusal) -> Bool {
        guard var stored = correspondences[id] else { return false }
        try stored.timeline.markRead(at: now)
        correspondences[id] = stored
        return true
    }

    func markConfirmed(_ id: UUID, now: Date = Date()) throws(CorrespondenceTimeline.RecipientActionRefusal) -> Bool {
        guard var stored = correspondences[id] else { return false }
        try stored.timeline.markConfirmed(at: now)
        correspondences[id] = stored
        return true
    }

    // MARK: Inspection

    func received(now: Date = Date()) -> [ReceivedCorrespondence] {
        order.compactMap { correspondences[$0]?.received(at: now) }
    }

    func reset() {
        correspondences.removeAll()
        order.removeAll()
        idempotentKeys.removeAll()
        refusals.removeAll()
        settings = initialSettings
        setFaults(initialSettings.faults)
    }
}

/// The query of `GET /correspondence/api/v1/correspondence` (§6.4).
struct CorrespondenceSearch: Sendable, Equatable {
    enum Role: String, Sendable { case recipient = "Recipient", sender = "Sender", recipientAndSender = "RecipientAndSender" }

    var resourceId: String?
    var role: Role
    var from: Date?
    var to: Date?
    var status: CorrespondenceStatus?
    var sendersReference: String?
    var idempotentKey: UUID?
}
