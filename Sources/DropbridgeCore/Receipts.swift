/// `failed/NAME.error.json` (contract §1). Only keys that apply are present.
public struct ErrorReport: Codable, Sendable, Equatable {
    public var name: String
    public var stage: FailureStage
    public var reason: String
    public var errors: [LineError]?
    public var httpStatus: Int?
    public var problem: JSONValue?
    public var failedAt: String
    /// The NAME as dropped, when the drop is known by another (`NAME~2`: the name was taken).
    public var droppedAs: String?
    /// The MsgHead's MsgId, when it was read.
    public var msgId: String?
    /// Altinn: what each recipient's correspondence came to (a partial refusal says which).
    public var recipients: [RecipientResult]?

    public init(name: String, failure: DropFailure, failedAt: String, droppedAs: String? = nil, msgId: String? = nil) {
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
public struct SentReceipt: Codable, Sendable, Equatable {
    public var name: String
    public var channel: String
    public var messageId: String
    public var acceptedAt: String
    /// NHN only.
    public var senderHerId: Int?
    public var receiverHerIds: [Int]?
    public var msgId: String?
    /// The NAME as dropped, when the drop is known by another (`NAME~2`: the name was taken).
    public var droppedAs: String?
    /// Altinn: the correspondence id per recipient that has one (a person as `person:<hash>`).
    public var correspondenceIds: [String: String]?
    /// Altinn: every recipient's result, refused ones included when the drop was partly refused.
    public var recipients: [RecipientResult]?

    public init(
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
public struct AppRecSentReceipt: Codable, Sendable, Equatable {
    public var name: String
    /// The received message that was answered.
    public var messageId: String
    /// NHN's id of the AppRec message.
    public var appRecId: String
    public var senderHerId: Int
    public var acceptedAt: String
    public var droppedAs: String?

    public init(name: String, messageId: String, appRecId: String, senderHerId: Int, acceptedAt: String, droppedAs: String?) {
        self.name = name
        self.messageId = messageId
        self.appRecId = appRecId
        self.senderHerId = senderHerId
        self.acceptedAt = acceptedAt
        self.droppedAs = droppedAs
    }
}

/// What one recipient's correspondence came to (Altinn), for the receipts.
public struct RecipientResult: Codable, Sendable, Equatable {
    /// The recipient as a file may show it: an organisation URN, a person as `person:<hash>`.
    public var recipient: String
    public var correspondenceId: String?
    /// `accepted` or `refused`.
    public var result: String
    public var httpStatus: Int?
    public var problem: JSONValue?
    public var reason: String?

    public init(recipient: String, correspondenceId: String?, result: String, httpStatus: Int? = nil, problem: JSONValue? = nil, reason: String? = nil) {
        self.recipient = recipient
        self.correspondenceId = correspondenceId
        self.result = result
        self.httpStatus = httpStatus
        self.problem = problem
        self.reason = reason
    }
}

