import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import XMLCheck

/// Why handling a notification must be tried again later: NHN or the disk is in trouble. The
/// offset is not moved past the notification.
public struct InboundTrouble: Error, CustomStringConvertible {
    public var description: String
    /// Not trouble with NHN but a moment's wait for our own send to record its answer: try
    /// again shortly, without backing off.
    public var retrySoon = false
}

/// Gives one notification its effect, durably, exactly once however often it arrives:
///
/// - `NewMessage`: fetch metadata and document → write `inbox/<id>.xml` + `.json` (or, for an
///   AppRec answering a drop we sent, `receipts/NAME.apprec.<herId>.xml`) → ledger → only then
///   `PUT …/downloaded`.
/// - `RefusedMessage` → `receipts/NAME.refused.json`.
/// - the three status types → `GET …/status` → `receipts/NAME.status.json`.
public struct NotificationHandler: Sendable {
    public var transport: any InboundTransport
    public var ledger: Ledger
    public var inbox: InboxWriter
    public var receipts: ReceiptWriter
    public var validator: XMLValidator
    public var io: BlockingIO
    public var logger: Logger
    /// `nhn.autoAppRec`: answer every received business document ourselves.
    public var autoAppRec: Bool

    public init(
        transport: any InboundTransport, ledger: Ledger, inbox: InboxWriter, receipts: ReceiptWriter,
        validator: XMLValidator, io: BlockingIO, logger: Logger, autoAppRec: Bool = false
    ) {
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
    public func handle(_ notification: NHNNotification, waitForOwnSends: Bool = true) async throws {
        switch notification.type {
        case "NewMessage":
            try await newMessage(notification, waitForOwnSends: waitForOwnSends)
        case "RefusedMessage":
            try await refused(notification, waitForOwnSends: waitForOwnSends)
        case "MessageSentStateUpdated", "MessageDeliveryStateUpdated", "MessageApprecInfoUpdated":
            try await statusChanged(notification, waitForOwnSends: waitForOwnSends)
        default:
            logger.notice("notification of an unknown type ignored", metadata: ["type": "\(notification.type)", "offset": "\(notification.offset)"])
        }
    }

    // MARK: NewMessage

    private func newMessage(_ notification: NHNNotification, waitForOwnSends: Bool) async throws {
        guard let messageId = notification.relatedMessageId else {
            logger.warning("NewMessage without a message id ignored", metadata: ["offset": "\(notification.offset)"])
            return
        }
        if let known = try ledger.inbound(messageId: messageId) {
            // Seen before: its files are durable; only the downloaded mark or our AppRec may be missing.
            if known.downloadedAt == nil { try await markDownloaded(known) }
            try await answerIfDue(known, problem: nil)
            return
        }
        let metadata = try value(await transport.message(id: messageId), "GET /messages/\(messageId)")
        let document = try value(await transport.businessDocument(id: messageId), "GET /messages/\(messageId)/business-document")
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
            var answered: DropRecord?
            if let original = appRec.originalMsgId {
                let found = try ledger.lookUpSent(msgId: original)
                if found.sendsInFlight, found.drop == nil, waitForOwnSends {
                    throw InboundTrouble(description: "AppRec for MsgId \(original): a send is still in flight; trying again", retrySoon: true)
                }
                answered = found.drop
            }
            let drop = answered
            let (receipts, sender) = (self.receipts, metadata.senderHerId)
            record.fileName = try await io.run {
                try receipts.writeAppRec(document, dropName: drop?.name, senderHerId: sender, messageId: messageId)
            }
            record.kind = "apprec"
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
            logger.info("message written to inbox/", metadata: ["messageId": "\(messageId)", "valid": "\(checked.isValid)"])
        }
        guard try await ledger.recordInbound(record) else {
            // Another handling of the same message recorded it first: go on from its row, so
            // that the downloaded mark and our AppRec happen once.
            if let known = try ledger.inbound(messageId: messageId) {
                if known.downloadedAt == nil { try await markDownloaded(known) }
                try await answerIfDue(known, problem: nil)
            }
            return
        }
        try await markDownloaded(record)
        try await answerIfDue(record, problem: checked.document == nil ? ("T01", checked.failure) : ("T02", checked.failure))
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
        switch await transport.sendAppRec(originalId: record.messageId, request) {
        case .accepted:
            try await ledger.markInboundAppRecSent(messageId: record.messageId, at: Timestamp.now())
            logger.info("AppRec sent", metadata: ["messageId": "\(record.messageId)", "status": "\(request.appRecStatus.rawValue)"])
        case .refused(let status, _, let reason):
            // NHN will not take it (e.g. 1100/1102): recorded as done so it is not tried forever.
            try await ledger.markInboundAppRecSent(messageId: record.messageId, at: Timestamp.now())
            logger.error("NHN refused our AppRec (HTTP \(status)): \(reason)", metadata: ["messageId": "\(record.messageId)"])
        case .locked(_, let reason), .unauthorized(_, let reason), .transient(let reason, _, _):
            throw InboundTrouble(description: "POST /messages/\(record.messageId)/apprec: \(reason)")
        }
    }

    private func markDownloaded(_ record: InboundRecord) async throws {
        switch await transport.markDownloaded(id: record.messageId, receiverHerId: record.receiverHerId) {
        case .succeeded:
            try await ledger.markInboundDownloaded(messageId: record.messageId, at: Timestamp.now())
        case .failed(let failure):
            throw InboundTrouble(description: "PUT /messages/\(record.messageId)/downloaded: \(failure.reason)")
        }
    }

    // MARK: RefusedMessage

    /// NHN may tell about a message before our `POST /messages` has recorded its answer: while
    /// sends are in flight, an unknown message id is tried again later rather than called
    /// unmatched.
    private func sentDrop(messageId: String?, waitForOwnSends: Bool) throws -> DropRecord? {
        guard let messageId else { return nil }
        let found = try ledger.lookUpSent(messageId: messageId)
        if found.sendsInFlight, found.drop == nil, waitForOwnSends {
            throw InboundTrouble(description: "message \(messageId) is not known yet; a send is still in flight", retrySoon: true)
        }
        return found.drop
    }

    private func refused(_ notification: NHNNotification, waitForOwnSends: Bool) async throws {
        let drop = try sentDrop(messageId: notification.relatedMessageId, waitForOwnSends: waitForOwnSends)
        let receipt = RefusedReceipt(
            name: drop?.name ?? (notification.relatedMessageId ?? "unknown"), messageId: notification.relatedMessageId,
            receiverHerId: notification.notificationTriggeredByHerId, description: notification.description,
            at: notification.createdAt ?? Timestamp.iso8601(Timestamp.now()))
        let receipts = self.receipts
        let key = notification.relatedMessageId ?? notification.id ?? "offset-\(notification.offset)"
        try await io.run { try receipts.writeRefused(receipt, matched: drop != nil, key: key) }
        logger.notice("NHN refused a message", metadata: ["drop": "\(drop?.name ?? "-")", "messageId": "\(notification.relatedMessageId ?? "-")"])
    }

    // MARK: Status

    private func statusChanged(_ notification: NHNNotification, waitForOwnSends: Bool) async throws {
        guard let messageId = notification.relatedMessageId else {
            logger.notice("status notification without a message id ignored", metadata: ["offset": "\(notification.offset)"])
            return
        }
        let drop = try sentDrop(messageId: messageId, waitForOwnSends: waitForOwnSends)
        let list = try value(await transport.status(id: messageId), "GET /messages/\(messageId)/status")
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
                    apprecErrors: $0.apprecInfo.map(\.appRecErrorList).flatMap { $0.isEmpty ? nil : $0 },
                    appRecId: $0.apprecInfo?.appRecId)
            }
            if !status.events.contains(where: { $0.offset == notification.offset && $0.type == notification.type }) {
                status.events.append(.init(type: notification.type, at: notification.createdAt ?? Timestamp.iso8601(Timestamp.now()), offset: notification.offset))
            }
            try receipts.writeStatus(status)
        }
    }

    private func value<T>(_ result: Result<T, CallFailure>, _ call: String) throws -> T {
        switch result {
        case .success(let value): return value
        case .failure(let failure): throw InboundTrouble(description: "\(call): \(failure.reason)")
        }
    }
}
