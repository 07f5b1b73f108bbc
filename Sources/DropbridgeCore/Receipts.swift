/// `failed/NAME.error.json` (docs/contract.md §1). Only keys that apply are present.
package struct ErrorReport: Codable, Sendable, Equatable {
    package var name: String
    package var stage: FailureStage
    package var reason: String
    package var errors: [LineError]?
    package var httpStatus: Int?
    package var problem: JSONValue?
    package var failedAt: String
    /// The NAME as dropped, when the drop is known by another (`NAME~2`: the name was taken).
    package var droppedAs: String?
    /// The MsgHead's MsgId, when it was read.
    package var msgId: String?
    /// Altinn: what each recipient's correspondence came to (a partial refusal says which).
    package var recipients: [RecipientResult]?

    package init(name: String, failure: DropFailure, failedAt: String, droppedAs: String? = nil, msgId: String? = nil) {
        self.name = name
        stage = failure.stage
        reason = failure.reason
        errors = failure.errors.isEmpty ? nil : failure.errors
        httpStatus = failure.httpStatus
        problem = failure.problem
        self.failedAt = failedAt
        self.droppedAs = droppedAs
        self.msgId = msgId
    }
}

/// `receipts/NAME.sent.json`: the API accepted the message.
package struct SentReceipt: Codable, Sendable, Equatable {
    package var name: String
    package var channel: String
    package var messageId: String
    package var acceptedAt: String
    /// NHN only.
    package var senderHerId: Int?
    package var receiverHerIds: [Int]?
    package var msgId: String?
    /// The NAME as dropped, when the drop is known by another (`NAME~2`: the name was taken).
    package var droppedAs: String?
    /// Altinn: the correspondence id per recipient that has one (a person as `person:<hash>`).
    package var correspondenceIds: [String: String]?
    /// Altinn: every recipient's result, refused ones included when the drop was partly refused.
    package var recipients: [RecipientResult]?

    package init(
        name: String, channel: String, messageId: String, acceptedAt: String, senderHerId: Int?,
        receiverHerIds: [Int]?, msgId: String?, droppedAs: String? = nil
    ) {
        self.name = name
        self.channel = channel
        self.messageId = messageId
        self.acceptedAt = acceptedAt
        self.senderHerId = senderHerId
        self.receiverHerIds = receiverHerIds
        self.msgId = msgId
        self.droppedAs = droppedAs
    }
}

/// `receipts/NAME.apprec-sent.json`: NHN accepted the AppRec of an `NAME.apprec.json` drop.
package struct AppRecSentReceipt: Codable, Sendable, Equatable {
    package var name: String
    /// The received message that was answered.
    package var messageId: String
    /// NHN's id of the AppRec message.
    package var appRecId: String
    package var senderHerId: Int
    package var acceptedAt: String
    package var droppedAs: String?

    package init(name: String, messageId: String, appRecId: String, senderHerId: Int, acceptedAt: String, droppedAs: String?) {
        self.name = name
        self.messageId = messageId
        self.appRecId = appRecId
        self.senderHerId = senderHerId
        self.acceptedAt = acceptedAt
        self.droppedAs = droppedAs
    }
}

/// What one recipient's correspondence came to (Altinn), for the receipts.
package struct RecipientResult: Codable, Sendable, Equatable {
    /// The recipient as a file may show it: an organisation URN, a person as `person:<hash>`.
    package var recipient: String
    package var correspondenceId: String?
    /// `accepted` or `refused`.
    package var result: String
    package var httpStatus: Int?
    package var problem: JSONValue?
    package var reason: String?

    package init(recipient: String, correspondenceId: String?, result: String, httpStatus: Int? = nil, problem: JSONValue? = nil, reason: String? = nil) {
        self.recipient = recipient
        self.correspondenceId = correspondenceId
        self.result = result
        self.httpStatus = httpStatus
        self.problem = problem
        self.reason = reason
    }
}

