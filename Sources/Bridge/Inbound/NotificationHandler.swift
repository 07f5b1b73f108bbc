import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import Synchronization
import XMLCheck

/// Why handling a notification did not succeed: NHN or the disk is in trouble (tried again
/// later with backoff), or the notification can never be handled as it is (`permanent`:
/// quarantined for an operator).
package struct InboundTrouble: Error, CustomStringConvertible {
    package var description: String
    /// Not trouble with NHN but a moment's wait for our own send to record its answer: try
    /// again shortly, without backing off.
    package var retrySoon = false
    /// NHN refused the call (4xx other than 401/408/423/429), the document cannot be decoded,
    /// or the notification names no usable message: trying again cannot help.
    package var permanent = false
    /// Seconds NHN asked us to wait (`Retry-After`), at least that long before the next try.
    package var retryAfter: Double?

    package init(description: String, retrySoon: Bool = false, permanent: Bool = false, retryAfter: Double? = nil) {
        self.description = description
        self.retrySoon = retrySoon
        self.permanent = permanent
        self.retryAfter = retryAfter
    }
}

/// Shutdown came between two of a notification's calls: it stays pending as it was, and the
/// next start goes on from its last durable step (as after SIGKILL). Without this a graceful
/// stop waited for every call still to come (three per message), however slow NHN answered.
package struct HandlingInterrupted: Error {}

/// Gives one notification its effect, durably, exactly once however often it arrives:
///
/// - `NewMessage`: fetch metadata and document → write `inbox/<id>.xml` + `.json` (or, for an
///   AppRec answering a drop we sent, `receipts/NAME.apprec.<herId>.xml`) → ledger → only then
///   `PUT …/downloaded`.
/// - `RefusedMessage` → `receipts/NAME.refused.json`.
/// - the three status types → `GET …/status` → `receipts/NAME.status.json`.
package struct NotificationHandler: Sendable {
    package var transport: any InboundTransport
    package var ledger: Ledger
    package var inbox: InboxWriter
    package var receipts: ReceiptWriter
    package var validator: XMLValidator
    package var io: BlockingIO
    package var logger: Logger
    /// `nhn.autoAppRec`: answer every received business document ourselves.
    package var autoAppRec: Bool
    /// `memory.inFlightBytes`, shared with the outbound side: received documents held in memory
    /// while they are checked and written.
    package var budget: ByteBudget?
    /// Inbox writes and AppRecs, counted (`Monitoring`).
    package var metrics: any BridgeMetrics = NoMetrics()
    /// Receiving's graceful stop: once triggered, no further call to NHN is started (a call in
    /// flight gets its answer recorded).
    package var shutdown: ShutdownSignal?

    package init(
        transport: any InboundTransport, ledger: Ledger, inbox: InboxWriter, receipts: ReceiptWriter,
        validator: XMLValidator, io: BlockingIO, logger: Logger, autoAppRec: Bool = false, budget: ByteBudget? = nil
    ) {
        self.budget = budget
        self.autoAppRec = autoAppRec
        self.transport = transport
        self.ledger = ledger
        self.inbox = inbox
        self.receipts = receipts
        self.validator = validator
        self.io = io
        self.logger = logger
    }

    /// `waitForOwnSends`: a notification about a message we do not know yet, while our own
    /// sends are in flight, is put off (`InboundTrouble.retrySoon`) since the send may be about
    /// to record it; false files it as unmatched instead (after waiting long enough).
    package func handle(_ notification: NHNNotification, waitForOwnSends: Bool = true) async throws {
        if Self.typesNamingAMessage.contains(notification.type) {
            try Self.checkMessageId(notification)
        }
        switch notification.type {
        case "NewMessage":
            try await newMessage(notification, waitForOwnSends: waitForOwnSends)
        case "RefusedMessage":
            try await refused(notification, waitForOwnSends: waitForOwnSends)
        case "MessageSentStateUpdated", "MessageDeliveryStateUpdated", "MessageApprecInfoUpdated":
            try await statusChanged(notification, waitForOwnSends: waitForOwnSends)
        default:
            // Recorded in the queue (and the offset moved past it) like any other; nothing to do.
            logger.notice("notification of an unknown type skipped", metadata: ["type": "\(notification.type)", "offset": "\(notification.offset)"])
        }
    }

    /// Throws `HandlingInterrupted` once shutdown is triggered; called before each call to NHN.
    private func beforeCall() throws {
        if shutdown?.isTriggered == true { throw HandlingInterrupted() }
    }

    /// Types whose `relatedMessageId` is the message everything is fetched by.
    static let typesNamingAMessage: Set<String> = [
        "NewMessage", "MessageSentStateUpdated", "MessageDeliveryStateUpdated", "MessageApprecInfoUpdated",
    ]

    /// NHN's message ids are GUIDs: anything else (missing, empty, garbled) cannot be fetched,
    /// and would make a path of whatever it holds.
    static func checkMessageId(_ notification: NHNNotification) throws {
        guard let id = notification.relatedMessageId, UUID(uuidString: id) != nil else {
            let shown = notification.relatedMessageId.map { $0.isEmpty ? "an empty relatedMessageId" : "a relatedMessageId that is not a GUID" }
            throw InboundTrouble(
                description: "\(notification.type) notification with \(shown ?? "no relatedMessageId")", permanent: true)
        }
    }

    // MARK: NewMessage

    private func newMessage(_ notification: NHNNotification, waitForOwnSends: Bool) async throws {
        guard let messageId = notification.relatedMessageId else { return }  // checked in handle
        if let known = try await read({ try $0.inbound(messageId: messageId) }) {
            // Seen before: its files are durable; only the downloaded mark or our AppRec may be missing.
            if known.downloadedAt == nil { try await markDownloaded(known) }
            try await answerIfDue(known, problem: nil)
            return
        }
        try beforeCall()
        let metadata = try value(await transport.message(id: messageId), "GET /messages/\(messageId)")
        try beforeCall()
        let call = "GET /messages/\(messageId)/business-document"
        guard let budget else {
            let document = try value(await transport.businessDocument(id: messageId, beforeBody: nil), call)
            return try await file(document, metadata: metadata, notification: notification, messageId: messageId, waitForOwnSends: waitForOwnSends)
        }
        // Memory is reserved before the download, not after it: NHN tells no size in advance,
        // so an estimate first, then the answer's announced length before its body is read.
        let reservation = try await budget.reservation(bytes: Self.downloadEstimate)
        defer { reservation.release() }
        var document: [UInt8]?
        while document == nil {
            try beforeCall()
            let shortOf = Mutex<Int?>(nil)
            let answer = await transport.businessDocument(id: messageId) { announced in
                let needed = Self.memoryNeeded(answerBytes: announced ?? NHNClient.maxBusinessDocumentAnswerBytes)
                // Never wait while holding the connection: the sends that hold the memory may
                // need one to finish. Give the answer up, wait for the room, ask again.
                guard reservation.resizeNow(to: needed) else {
                    shortOf.withLock { $0 = needed }
                    throw InboundTrouble(description: "\(call): waiting for \(needed) bytes of memory.inFlightBytes")
                }
            }
            if let needed = shortOf.withLock({ $0 }) {
                try await reservation.resize(to: needed)
                continue
            }
            document = try value(answer, call)
        }
        guard let document else { return }
        // Held from here: the document, the validator's tree and the written copy (about three
        // times its size, within what the download held); the decoded bytes are checked and
        // written from this one buffer.
        try await reservation.resize(to: Self.memoryNeeded(documentBytes: document.count))
        try await file(document, metadata: metadata, notification: notification, messageId: messageId, waitForOwnSends: waitForOwnSends)
    }

    /// Reserved for a download before its size is known: room for the answer of a document of
    /// about 1 MiB (most are far smaller; a larger one waits for its real size's room).
    static let downloadEstimate = memoryNeeded(answerBytes: (4 << 20) / 3)

    /// What a download holds from before its body is read until it is filed: the larger of its
    /// two peaks, so that the resize once the document is in only ever gives room back (growing
    /// then would wait for room while the document is already in memory). Reading: the answer's
    /// body (in a buffer of its announced length) and the document decoded straight from it
    /// (`BusinessDocumentScan`: no `Data` of the body, no `String` of the base64), 1.75 times the
    /// answer. Filing: the document (three quarters of the base64) three times over, 2.25 times
    /// the answer.
    static func memoryNeeded(answerBytes: Int) -> Int {
        (min(answerBytes, NHNClient.maxBusinessDocumentAnswerBytes) * 9 + 3) / 4
    }

    /// Filing a document: the bytes, the validator's tree and the written copy.
    static func memoryNeeded(documentBytes: Int) -> Int { documentBytes * 3 }

    /// A fetched document into inbox/ (or receipts/ for an AppRec), then the ledger, then NHN.
    private func file(
        _ document: [UInt8], metadata: NHNMessageMetadata, notification: NHNNotification, messageId: String, waitForOwnSends: Bool
    ) async throws {
        let receiver = notification.notificationReceiverHerId ?? metadata.receiverHerIds?.first ?? 0
        let (validator, io) = (self.validator, self.io)
        let checked = try await io.run { validator.check(document) }
        let now = Timestamp.now()
        var record = InboundRecord(
            messageId: messageId, receiverHerId: receiver, senderHerId: metadata.senderHerId,
            msgId: checked.document?.msgHead?.msgId ?? metadata.businessDocumentId,
            messageType: checked.document?.msgHead?.messageType ?? metadata.businessDocumentMsgType,
            kind: "business", fileName: "", valid: checked.isValid, receivedAt: now)

        if let appRec = checked.document?.appRec {
            // An AppRec goes to receipts/, never to inbox/: beside the drop it answers if we know it.
            let drop = try await answeredDrop(appRecId: messageId, originalMsgId: appRec.originalMsgId, waitForOwnSends: waitForOwnSends)
            let (receipts, sender) = (self.receipts, metadata.senderHerId)
            record.fileName = try await io.run {
                try receipts.writeAppRec(document, dropName: drop?.name, senderHerId: sender, messageId: messageId)
            }
            record.kind = "apprec"
            metrics.appRec(direction: "in", status: appRec.status.map { ["1": "Ok", "2": "Rejected", "3": "OkErrorInMessagePart"][$0] ?? "other" } ?? "other")
            logger.info(
                drop == nil ? "AppRec matching no sent drop written to receipts/unmatched/" : "AppRec written beside its drop",
                metadata: [
                    "messageId": "\(messageId)", "drop": "\(drop?.name ?? "-")",
                    // KITH code list 8220: 1 Ok, 2 Rejected, 3 Ok with errors in a part.
                    "status": "\(appRec.status.map { ["1": "Ok", "2": "Rejected", "3": "OkErrorInMessagePart"][$0] ?? $0 } ?? "?")",
                ])
        } else {
            let meta = InboxMetadata(
                messageId: messageId, senderHerId: metadata.senderHerId, receiverHerId: receiver, msgId: record.msgId,
                messageType: record.messageType, genDate: checked.document?.msgHead?.genDate ?? metadata.businessDocumentGenDate,
                receivedAt: Timestamp.iso8601(now), valid: checked.isValid,
                errors: checked.failure.map { $0.errors.isEmpty ? [LineError(message: $0.reason)] : $0.errors })
            let inbox = self.inbox
            record.fileName = try await io.run { try inbox.write(document: document, metadata: meta) } + ".xml"
            metrics.inboxWritten()
            logger.info("message written to inbox/", metadata: ["messageId": "\(messageId)", "valid": "\(checked.isValid)"])
        }
        guard try await ledger.recordInbound(record) else {
            // Another handling of the same message recorded it first: go on from its row, so
            // that the downloaded mark and our AppRec happen once.
            if let known = try await read({ try $0.inbound(messageId: messageId) }) {
                if known.downloadedAt == nil { try await markDownloaded(known) }
                try await answerIfDue(known, problem: nil)
            }
            return
        }
        // The status naming this AppRec may have been handled meanwhile (another message's
        // key, so in parallel): it linked before this row existed, so the move is ours.
        if record.kind == "apprec", record.fileName.hasPrefix("unmatched/"),
            let drop = try await read({ try $0.dropAnswered(byAppRec: messageId) })
        {
            try await refile(record, beside: drop)
        }
        try await markDownloaded(record)
        try await answerIfDue(record, problem: checked.document == nil ? ("T01", checked.failure) : ("T02", checked.failure))
    }

    /// An AppRec filed in `unmatched/` moved beside the drop it answers, and the ledger told.
    /// Either side of the race (this AppRec's handling, the status naming it) may do it; the
    /// second finds the unmatched file gone.
    private func refile(_ received: InboundRecord, beside drop: DropRecord) async throws {
        let receipts = self.receipts
        let moved = try await io.run {
            try receipts.refileAppRec(
                unmatchedName: received.fileName, dropName: drop.name, senderHerId: received.senderHerId, messageId: received.messageId)
        }
        guard let moved else { return }
        try await ledger.setInboundFileName(messageId: received.messageId, fileName: moved)
        logger.info("AppRec moved beside its drop once NHN's status named it", metadata: ["messageId": "\(received.messageId)", "drop": "\(drop.name)"])
    }

    /// The drop an AppRec answers: by NHN's ids first (a status of our drop named this AppRec's
    /// id), by `OriginalMsgId` only when exactly one of our drops carries it. An ambiguous one
    /// goes to `unmatched/` until a status names it (`linkAppRecs` moves it then).
    private func answeredDrop(appRecId: String, originalMsgId: String?, waitForOwnSends: Bool) async throws -> DropRecord? {
        if let linked = try await read({ try $0.dropAnswered(byAppRec: appRecId) }) { return linked }
        guard let original = originalMsgId else { return nil }
        let found = try await read { try $0.lookUpSent(msgId: original) }
        if found.sendsInFlight, found.drop == nil, waitForOwnSends {
            throw InboundTrouble(description: "AppRec for MsgId \(original): a send is still in flight; trying again", retrySoon: true)
        }
        guard found.drop != nil else { return nil }
        let candidates = try await read { try $0.acceptedDrops(msgId: original) }
        guard candidates.count == 1 else {
            logger.warning(
                "AppRec whose OriginalMsgId several drops carry: kept in receipts/unmatched/ until NHN's status names it",
                metadata: ["messageId": "\(appRecId)", "drops": "\(candidates.count)"])
            return nil
        }
        return candidates[0]
    }

    /// With `nhn.autoAppRec`, answers a received business document (never an AppRec): Ok when
    /// it validated, Rejected with T01 (not well-formed) or T02 (schema-invalid) otherwise.
    /// After the downloaded mark, as NHN's main flow has it; once per message.
    private func answerIfDue(_ record: InboundRecord, problem: (code: String, failure: DropFailure?)?) async throws {
        guard autoAppRec, record.kind == "business", record.appRecSentAt == nil else { return }
        var errors: [NHNAppRecError] = []
        if !record.valid {
            let code = problem?.failure == nil ? "T02" : (problem?.code ?? "T02")
            let detail = problem?.failure.map { failure in
                (failure.errors.first.map { "\($0)" } ?? failure.reason).prefix(500)
            }.map(String.init) ?? "the document did not validate"
            errors = [
                NHNAppRecError(
                    errorCode: code, details: detail, description: AppRecAnswer.errorCodes[code], oid: AppRecAnswer.errorCodeSystem)
            ]
        }
        let request = AppRecRequest(appRecSenderHerId: record.receiverHerId, appRecStatus: record.valid ? .ok : .rejected, appRecErrorList: errors)
        try beforeCall()
        // Recorded before the POST, as a drop's send is: an earlier attempt left unconfirmed (a
        // crash, an answer lost) may have arrived, and this one is counted a possible duplicate.
        if try await ledger.markInboundAppRecSending(messageId: record.messageId, now: Timestamp.now()) {
            logger.warning("AppRec sent again after an attempt whose answer was lost: possibly a duplicate", metadata: ["messageId": "\(record.messageId)"])
            metrics.possibleDuplicate()
        }
        switch await transport.sendAppRec(originalId: record.messageId, request) {
        case .accepted:
            try await ledger.markInboundAppRecSent(messageId: record.messageId, at: Timestamp.now())
            logger.info("AppRec sent", metadata: ["messageId": "\(record.messageId)", "status": "\(request.appRecStatus.rawValue)"])
            metrics.appRec(direction: "out", status: request.appRecStatus.rawValue)
        case .refused(let status, _, let reason):
            // NHN will not take it (e.g. 1100/1102): recorded as done so it is not tried forever.
            try await ledger.markInboundAppRecSent(messageId: record.messageId, at: Timestamp.now())
            logger.error("NHN refused our AppRec (HTTP \(status)): \(reason)", metadata: ["messageId": "\(record.messageId)"])
            metrics.appRec(direction: "out", status: "refused")
        case .transient(let reason, let retryAfter, false):
            // It never left: the next attempt is no duplicate.
            try await ledger.clearInboundAppRecSending(messageId: record.messageId)
            throw InboundTrouble(description: "POST /messages/\(record.messageId)/apprec: \(reason)", retryAfter: retryAfter?.seconds)
        case .transient(let reason, let retryAfter, true):
            throw InboundTrouble(description: "POST /messages/\(record.messageId)/apprec: \(reason)", retryAfter: retryAfter?.seconds)
        case .locked(_, let reason), .unauthorized(_, let reason):
            throw InboundTrouble(description: "POST /messages/\(record.messageId)/apprec: \(reason)")
        }
    }

    private func markDownloaded(_ record: InboundRecord) async throws {
        try beforeCall()
        switch await transport.markDownloaded(id: record.messageId, receiverHerId: record.receiverHerId) {
        case .succeeded:
            try await ledger.markInboundDownloaded(messageId: record.messageId, at: Timestamp.now())
        case .failed(let failure):
            throw InboundTrouble(
                description: "PUT /messages/\(record.messageId)/downloaded: \(failure.reason)", retryAfter: failure.retryAfter?.seconds)
        }
    }

    // MARK: RefusedMessage

    /// NHN may tell about a message before our `POST /messages` has recorded its answer: while
    /// sends are in flight, an unknown message id is tried again later rather than called
    /// unmatched. When the answer was lost (drops wait `uncertain`), NHN's metadata of the
    /// message names its MsgId, which proves which drop arrived.
    private func sentDrop(messageId: String?, waitForOwnSends: Bool) async throws -> DropRecord? {
        guard let messageId else { return nil }
        let found = try await read { try $0.lookUpSent(messageId: messageId) }
        if found.drop == nil, try await read({ try $0.hasUncertainDrops() }),
            let proven = try await proveArrival(messageId: messageId)
        {
            return proven
        }
        if found.sendsInFlight, found.drop == nil, waitForOwnSends {
            throw InboundTrouble(description: "message \(messageId) is not known yet; a send is still in flight", retrySoon: true)
        }
        return found.drop
    }

    /// `GET /messages/{id}`: its `businessDocumentId` is the MsgId of the drop it carries.
    private func proveArrival(messageId: String) async throws -> DropRecord? {
        try beforeCall()
        let metadata = try value(await transport.message(id: messageId), "GET /messages/\(messageId)")
        guard let msgId = metadata.businessDocumentId, !msgId.isEmpty else { return nil }
        let drop = try await ledger.proveArrival(msgId: msgId, messageId: messageId, now: Timestamp.now())
        if let drop {
            logger.notice("NHN proved the arrival of a drop whose answer was lost", metadata: ["drop": "\(drop.name)", "messageId": "\(messageId)"])
        }
        return drop
    }

    private func refused(_ notification: NHNNotification, waitForOwnSends: Bool) async throws {
        if let id = notification.relatedMessageId, UUID(uuidString: id) == nil {
            try Self.checkMessageId(notification)
        }
        let drop = try await sentDrop(messageId: notification.relatedMessageId, waitForOwnSends: waitForOwnSends)
        let receipt = RefusedReceipt(
            name: drop?.name ?? (notification.relatedMessageId ?? "unknown"), messageId: notification.relatedMessageId,
            receiverHerId: notification.notificationTriggeredByHerId, description: notification.description,
            at: notification.createdAt ?? Timestamp.iso8601(Timestamp.now()))
        let receipts = self.receipts
        let key = notification.relatedMessageId ?? notification.id ?? "offset-\(notification.offset)"
        let file = try await io.run { try receipts.writeRefused(receipt, matched: drop != nil, key: key) }
        logger.notice("NHN refused a message", metadata: ["drop": "\(drop?.name ?? "-")", "messageId": "\(notification.relatedMessageId ?? "-")", "file": "\(file)"])
    }

    // MARK: Status

    private func statusChanged(_ notification: NHNNotification, waitForOwnSends: Bool) async throws {
        guard let messageId = notification.relatedMessageId else {
            logger.notice("status notification without a message id ignored", metadata: ["offset": "\(notification.offset)"])
            return
        }
        let drop = try await sentDrop(messageId: messageId, waitForOwnSends: waitForOwnSends)
        try beforeCall()
        let list = try value(await transport.status(id: messageId), "GET /messages/\(messageId)/status")
        if let drop { try await linkAppRecs(list, of: drop) }
        try await recordFinalStates(list, messageId: messageId, drop: drop)
        let receipts = self.receipts
        // A status for a message we do not know goes to receipts/unmatched/<messageId>.status.json.
        let name = drop?.name ?? "unmatched/" + InboxWriter.fileName(forMessageId: messageId)
        try await io.run {
            if drop == nil { try receipts.prepareUnmatched() }
            var status = receipts.status(of: name) ?? StatusReceipt(name: name, messageId: messageId, receivers: [], events: [])
            status.receivers = list.map {
                StatusReceipt.Receiver(
                    receiverHerId: $0.receiverHerId, sent: $0.sent, transportDeliveryState: $0.transportDeliveryState,
                    apprecStatus: $0.apprecInfo?.appRecStatus,
                    apprecErrors: $0.apprecInfo.map(\.appRecErrorList).flatMap { list in
                        list.isEmpty
                            ? nil
                            : list.map { AppRecError(errorCode: $0.errorCode, details: $0.details, description: $0.description, oid: $0.oid) }
                    },
                    appRecId: $0.apprecInfo?.appRecId,
                    final: Self.finalDeliveryStates.contains($0.transportDeliveryState ?? "") ? true : nil)
            }
            if !status.events.contains(where: { $0.offset == notification.offset && $0.type == notification.type }) {
                status.events.append(.init(type: notification.type, at: notification.createdAt ?? Timestamp.iso8601(Timestamp.now()), offset: notification.offset))
            }
            try receipts.writeStatus(status)
        }
    }

    /// The message will never reach that receiver (docs/nhn-edi.md §4: `Abandoned` is final).
    static let finalDeliveryStates: Set<String> = ["Abandoned", "Rejected"]

    /// `Abandoned` / `Rejected`: a warning once per message and receiver, counted for `status`.
    private func recordFinalStates(_ list: [NHNReceiverStatus], messageId: String, drop: DropRecord?) async throws {
        for entry in list {
            guard let state = entry.transportDeliveryState, Self.finalDeliveryStates.contains(state) else { continue }
            let receiver = entry.receiverHerId ?? 0
            if try await ledger.recordFinalDelivery(messageId: messageId, receiverHerId: receiver, state: state, now: Timestamp.now()) {
                logger.warning(
                    "NHN gave up delivering a message to a receiver (final: \(state))",
                    metadata: ["drop": "\(drop?.name ?? "-")", "messageId": "\(messageId)", "receiverHerId": "\(receiver)"])
            }
        }
    }

    /// A status of our drop names the AppRec each receiver sent back (`apprecInfo.appRecId`):
    /// remembered, so that AppRec message files beside this drop whichever arrives first. One
    /// that arrived first and was filed as unmatched is moved beside the drop now.
    private func linkAppRecs(_ list: [NHNReceiverStatus], of drop: DropRecord) async throws {
        guard let dropId = drop.id else { return }
        for entry in list {
            guard let appRecId = entry.apprecInfo?.appRecId, !appRecId.isEmpty else { continue }
            try await ledger.linkAppRec(appRecId, toDrop: dropId, receiverHerId: entry.receiverHerId, now: Timestamp.now())
            guard let received = try await read({ try $0.inbound(messageId: appRecId) }), received.kind == "apprec",
                received.fileName.hasPrefix("unmatched/")
            else { continue }
            try await refile(received, beside: drop)
        }
    }

    /// A ledger read waits for SQLite like any file I/O: on `io`'s threads, never on the
    /// cooperative pool's (the writes go through the ledger's group commit, off it already).
    private func read<T: Sendable>(_ query: @escaping @Sendable (Ledger) throws -> T) async throws -> T {
        let ledger = self.ledger
        return try await io.run { try query(ledger) }
    }

    /// A refusal of the call (4xx other than 401/408/423/429, or an unreadable document) is
    /// permanent; anything else is tried again.
    private func value<T>(_ result: Result<T, CallFailure>, _ call: String) throws -> T {
        switch result {
        case .success(let value): return value
        case .failure(.refused(let status, _, let reason)):
            throw InboundTrouble(description: "\(call): \(reason)", permanent: status != 0)
        case .failure(let failure):
            throw InboundTrouble(description: "\(call): \(failure.reason)", retryAfter: failure.retryAfter?.seconds)
        }
    }
}
