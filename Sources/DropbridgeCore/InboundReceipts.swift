/// The files the inbound side writes (docs/contract.md §1), beside the outbound ones in
/// `Receipts.swift`: what a consumer of `inbox/` and `receipts/` reads.

/// `inbox/<messageId>.json` (docs/contract.md §1): what a consumer reads beside the document.
public struct InboxMetadata: Codable, Sendable, Equatable {
    public var messageId: String
    public var senderHerId: Int?
    public var receiverHerId: Int
    public var msgId: String?
    public var messageType: String?
    public var genDate: String?
    public var receivedAt: String
    public var valid: Bool
    public var errors: [LineError]?

    public init(
        messageId: String, senderHerId: Int?, receiverHerId: Int, msgId: String?, messageType: String?,
        genDate: String?, receivedAt: String, valid: Bool, errors: [LineError]?
    ) {
        self.messageId = messageId
        self.senderHerId = senderHerId
        self.receiverHerId = receiverHerId
        self.msgId = msgId
        self.messageType = messageType
        self.genDate = genDate
        self.receivedAt = receivedAt
        self.valid = valid
        self.errors = errors
    }
}

/// `receipts/NAME.refused.json` (docs/contract.md §1).
public struct RefusedReceipt: Codable, Sendable, Equatable {
    public var name: String
    public var messageId: String?
    public var receiverHerId: Int?
    public var description: String?
    public var at: String

    public init(name: String, messageId: String?, receiverHerId: Int?, description: String?, at: String) {
        self.name = name
        self.messageId = messageId
        self.receiverHerId = receiverHerId
        self.description = description
        self.at = at
    }
}

/// `receipts/NAME.status.json`: the latest state per receiver plus the history of events.
public struct StatusReceipt: Codable, Sendable, Equatable {
    public struct Receiver: Codable, Sendable, Equatable {
        public var receiverHerId: Int?
        public var sent: Bool?
        public var transportDeliveryState: String?
        public var apprecStatus: String?
        public var apprecErrors: [AppRecError]?
        public var appRecId: String?
        /// `true` when NHN will not deliver to this receiver any more (`Abandoned`, `Rejected`).
        public var final: Bool?

        public init(
            receiverHerId: Int?, sent: Bool?, transportDeliveryState: String?, apprecStatus: String?,
            apprecErrors: [AppRecError]?, appRecId: String?, final: Bool?
        ) {
            self.receiverHerId = receiverHerId
            self.sent = sent
            self.transportDeliveryState = transportDeliveryState
            self.apprecStatus = apprecStatus
            self.apprecErrors = apprecErrors
            self.appRecId = appRecId
            self.final = final
        }
    }

    public struct Event: Codable, Sendable, Equatable {
        public var type: String
        public var at: String
        public var offset: Int64?

        public init(type: String, at: String, offset: Int64?) {
            self.type = type
            self.at = at
            self.offset = offset
        }
    }

    public var name: String
    public var messageId: String
    public var receivers: [Receiver]
    public var events: [Event]

    public init(name: String, messageId: String, receivers: [Receiver], events: [Event]) {
        self.name = name
        self.messageId = messageId
        self.receivers = receivers
        self.events = events
    }
}

/// One error of an AppRec as the status file shows it: a code from KITH list 8221 (or 8222),
/// its text, free-text details and the code list's OID.
public struct AppRecError: Codable, Sendable, Equatable {
    public var errorCode: String
    public var details: String?
    public var description: String?
    public var oid: String?

    public init(errorCode: String, details: String? = nil, description: String? = nil, oid: String? = nil) {
        self.errorCode = errorCode
        self.details = details
        self.description = description
        self.oid = oid
    }
}

/// `receipts/unmatched/<messageId>.problem.json`: a notification that cannot be handled without
/// an operator (quarantined). `dropbridge retry --message KEY` tries it again.
public struct InboundProblem: Codable, Sendable, Equatable {
    /// The message id, or `offset-N` for a notification without a usable one.
    public var key: String
    public var messageId: String?
    public var offset: Int64
    public var type: String
    public var reason: String
    public var attempts: Int
    public var quarantinedAt: String
    public var retry: String

    public init(key: String, messageId: String?, offset: Int64, type: String, reason: String, attempts: Int, quarantinedAt: String) {
        self.key = key
        self.messageId = messageId
        self.offset = offset
        self.type = type
        self.reason = reason
        self.attempts = attempts
        self.quarantinedAt = quarantinedAt
        retry = "dropbridge retry --config FILE --message \(key)"
    }
}
