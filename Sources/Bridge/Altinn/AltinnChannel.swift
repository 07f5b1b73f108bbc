import AltinnClient
import DropbridgeCore
import Foundation
import Ledger
import Logging

/// Altinn 3 Correspondence as a `DropChannel`: one correspondence per recipient, each with a
/// deterministic idempotent key recorded in the ledger *before* its upload. A recipient answered
/// for good (accepted or refused) is never sent to again; one whose answer was lost (a kill, a
/// timeout) is sent again with the same key, and a 409/1034 is looked up by the key and taken as
/// accepted. So a drop makes at most one correspondence per recipient, whatever happens.
package struct AltinnChannel: DropChannel {
    package var client: any CorrespondenceSender
    package var ledger: Ledger
    package var logger: Logger
    /// Recipients of one drop uploaded at once (`altinn.parallelUploads`).
    package var parallelUploads: Int
    /// `memory.inFlightBytes`: the drop's own reservation covers one upload; each further one
    /// at the same time holds `uploadBytes` more, taken only when it fits at once (never
    /// waited for while holding the drop's share, so no two drops can wait on each other).
    package var budget: ByteBudget?

    /// One streamed upload's buffers: a 256 KiB chunk of the file, the form's fields and the
    /// HTTP client's own buffers.
    static let uploadBytes = 256 * 1024 + 64 * 1024

    package init(client: any CorrespondenceSender, ledger: Ledger, logger: Logger, parallelUploads: Int = 4, budget: ByteBudget? = nil) {
        self.client = client
        self.ledger = ledger
        self.logger = logger
        self.parallelUploads = max(1, parallelUploads)
        self.budget = budget
    }

    /// How one recipient's attempt ended.
    enum RecipientOutcome: Sendable {
        case done
        case held(String)
        case retry(String, Double?)
    }

    package func deliver(_ prepared: PreparedDrop, for drop: DropRecord) async -> DeliveryOutcome {
        guard case .correspondence(let correspondence, let document, let checksum) = prepared.payload, let dropId = drop.id else {
            return .refused(DropFailure(stage: .validation, reason: "a drop that is not an Altinn drop reached the Altinn channel"))
        }
        let namespace: UUID
        let existing: [Int: AltinnSendRecord]
        do {
            namespace = try ledger.altinnKeyNamespace()
            existing = Dictionary(try ledger.altinnSends(dropId: dropId).map { ($0.recipientIndex, $0) }) { a, _ in a }
        } catch {
            return .retry(reason: "the ledger could not be read: \(error)", retryAfter: nil, mayHaveArrived: false)
        }
        // The letter without its attachment's metadata: the file name defaults to the drop's name,
        // and a document dropped again under another name is still the same letter.
        let letterHash = UUIDv5.correspondenceHash(
            CorrespondenceUpload.contentFields(correspondence, checksum: checksum)
                .filter { !$0.name.hasPrefix("correspondence.content.attachments[") })
        let uploads = correspondence.recipients.enumerated().compactMap { index, recipient -> (Int, CorrespondenceUpload)? in
            if let row = existing[index], row.state != .sending { return nil }
            // A key once recorded is the one in use (e.g. made by an earlier version's formula).
            let key = existing[index]?.idempotentKey ?? UUIDv5.idempotentKey(
                namespace: namespace, contentHash: prepared.contentHash, correspondenceHash: letterHash,
                resourceId: correspondence.resourceId, recipientURN: recipient.urn)
            return (index, CorrespondenceUpload(
                correspondence: correspondence, recipient: recipient, idempotentKey: key, checksum: checksum, document: document))
        }
        var pending: (reason: String, retryAfter: Double?)?
        var held: String?
        // Each upload records its key before it starts (`send`), as one after another did.
        let extra = budget?.emptyReservation()
        defer { extra?.release() }
        /// Holds room for `count` uploads beyond the first, if it fits now.
        func holdExtra(_ count: Int) -> Bool {
            guard let extra else { return true }
            if count == 0 {
                extra.release()
                return true
            }
            return extra.resizeNow(to: count * Self.uploadBytes)
        }
        await withTaskGroup(of: RecipientOutcome.self) { group in
            var next = uploads.startIndex
            var running = 0
            func startWhatFits() {
                while next < uploads.endIndex, held == nil, running < parallelUploads {
                    // The first runs on the drop's own reservation; the others need room now.
                    if running > 0, !holdExtra(running) { break }
                    let (index, upload) = uploads[next]
                    next += 1
                    running += 1
                    group.addTask { await self.send(upload, index: index, dropId: dropId, drop: drop) }
                }
            }
            startWhatFits()
            while let outcome = await group.next() {
                running -= 1
                _ = holdExtra(max(0, running - 1))
                switch outcome {
                case .done: break
                case .held(let reason):
                    // No new upload starts; those under way finish and record their answers.
                    if held == nil { held = reason }
                case .retry(let reason, let after):
                    // The others may still go now; this one is tried again with its key.
                    if pending == nil { pending = (reason, after) }
                }
                startWhatFits()
            }
        }
        if let held { return .held(reason: held) }
        if let pending { return .retry(reason: pending.reason, retryAfter: pending.retryAfter, mayHaveArrived: false) }
        return summarize(dropId: dropId, count: correspondence.recipients.count)
    }

    /// One recipient: intent recorded, upload, answer recorded.
    private func send(_ intended: CorrespondenceUpload, index: Int, dropId: Int64, drop: DropRecord) async -> RecipientOutcome {
        var upload = intended
        let who = upload.recipient.logForm
        var metadata = drop.logMetadata
        metadata["recipient"] = "\(who)"
        let key: String
        do {
            let row = try await ledger.recordAltinnAttempt(
                AltinnSendRecord(
                    idempotentKey: upload.idempotentKey, dropId: dropId, recipientIndex: index, recipient: who, now: Timestamp.now()),
                now: Timestamp.now())
            if row.state != .sending { return .done }
            // The recorded key is sent, whatever was computed now.
            key = row.idempotentKey
            upload.idempotentKey = key
        } catch {
            return .retry("the ledger could not record the upload before it: \(error)", nil)
        }
        var outcome = await client.upload(upload)
        if case .duplicateKey = outcome {
            // Created before (its answer was lost): the key finds it.
            switch await client.correspondenceIds(resourceId: upload.correspondence.resourceId, idempotentKey: key) {
            case .success(let ids) where !ids.isEmpty:
                logger.info("Altinn had this correspondence already (409/1034); found it by its key", metadata: metadata)
                outcome = .created(correspondenceId: ids[0], status: nil)
            case .success:
                return .retry("Altinn said the key was used (409/1034) but the search by key found nothing yet", 5)
            case .failure(let failure):
                outcome = .failed(failure)
            }
        }
        do {
            switch outcome {
            case .created(let id, _):
                let now = Timestamp.now()
                try await ledger.updateAltinnSend(dropId: dropId, recipientIndex: index, now: now) { row in
                    row.state = .accepted
                    row.correspondenceId = id
                    row.acceptedAt = now
                    row.nextPollAt = now + 1
                    row.reason = nil
                }
                metadata["correspondenceId"] = "\(id)"
                logger.info("Altinn correspondence created", metadata: metadata)
                return .done
            case .failed(.refused(let status, let problem, let reason)):
                try await ledger.updateAltinnSend(dropId: dropId, recipientIndex: index, now: Timestamp.now()) { row in
                    row.state = .refused
                    row.httpStatus = status
                    row.problem = problem
                    row.reason = reason
                    row.pollDone = true
                }
                logger.notice("Altinn refused a recipient: \(reason)", metadata: metadata)
                return .done
            case .failed(.unauthorized(let reason)):
                return .held(reason)
            case .failed(.transient(let reason, let after)):
                _ = try? await ledger.updateAltinnSend(dropId: dropId, recipientIndex: index, now: Timestamp.now()) { row in row.reason = reason }
                return .retry(reason, after.map { Double($0.components.seconds) })
            case .duplicateKey:
                return .retry("Altinn said the key was used (409/1034)", 5)
            }
        } catch {
            // The answer is lost with the write; the key makes the next upload find it.
            return .retry("the ledger could not record Altinn's answer: \(error)", nil)
        }
    }

    private func summarize(dropId: Int64, count: Int) -> DeliveryOutcome {
        guard let rows = try? ledger.altinnSends(dropId: dropId), rows.count == count else {
            return .retry(reason: "the ledger's recipients could not be read", retryAfter: nil, mayHaveArrived: false)
        }
        let accepted = rows.filter { $0.state == .accepted }
        let refused = rows.filter { $0.state == .refused }
        if refused.isEmpty, let first = accepted.first?.correspondenceId { return .accepted(messageId: first) }
        let listed = refused.prefix(5).map { "recipients[\($0.recipientIndex)] \($0.recipient): \($0.reason ?? "refused")" }
            .joined(separator: "; ")
        let first = refused.first
        if let id = accepted.first?.correspondenceId {
            let failure = DropFailure(
                stage: .sending,
                reason: "Altinn refused \(refused.count) of \(count) recipients (the other \(accepted.count) have it; see receipts/NAME.sent.json): \(listed)",
                httpStatus: first?.httpStatus, problem: first?.problem)
            return .partlyRefused(failure, firstMessageId: id)
        }
        return .refused(
            DropFailure(
                stage: .sending, reason: count == 1 ? (first?.reason ?? "Altinn refused the recipient") : "Altinn refused every recipient: \(listed)",
                httpStatus: first?.httpStatus, problem: first?.problem))
    }

    package func recipientResults(for drop: DropRecord) throws -> [RecipientResult]? {
        guard let id = drop.id else { return nil }
        let rows = try ledger.altinnSends(dropId: id)
        if rows.isEmpty { return nil }
        return rows.map { row in
            RecipientResult(
                recipient: row.recipient, correspondenceId: row.correspondenceId, result: row.state.rawValue,
                httpStatus: row.httpStatus, problem: row.problem, reason: row.state == .refused ? row.reason : nil)
        }
    }
}
