/// The files the inbound side writes (docs/contract.md §1), beside the outbound ones in
/// `Receipts.swift`: what a consumer of `inbox/` and `receipts/` reads.

/// `inbox/<messageId>.json` (docs/contract.md §1): what a consumer reads beside the document.
package struct InboxMetadata: Codable, Sendable, Equatable {
    package var messageId: String
    package var senderHerId: Int?
    package var receiverHerId: Int
    package var msgId: String?
    package var messageType: String?
    package var genDate: String?
    package var receivedAt: String
    package var valid: Bool
    package var errors: [LineError]?

    package init(
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
package struct RefusedReceipt: Codable, Sendable, Equatable {
    package var name: String
    package var messageId: String?
    package var receiverHerId: Int?
    package var description: String?
    package var at: String

    package init(name: String, messageId: String?, receiverHerId: Int?, description: String?, at: String) {
        self.name = name
        self.messageId = messageId
        self.receiverHerId = receiverHerId
        self.description = description
        self.at = at
    }
}

/// `receipts/NAME.status.json`: the latest state per receiver plus the history of events.
package struct StatusReceipt: Codable, Sendable, Equatable {
    package struct Receiver: Codable, Sendable, Equatable {
        package var receiverHerId: Int?
        package var sent: Bool?
        package var transportDeliveryState: String?
        package var apprecStatus: String?
        package var apprecErrors: [AppRecError]?
        package var appRecId: String?
        /// `true` when NHN will not deliver to this receiver any more (`Abandoned`, `Rejected`).
        package var final: Bool?

        package init(
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

    package struct Event: Codable, Sendable, Equatable {
        package var type: String
        package var at: String
        package var offset: Int64?

        package init(type: String, at: String, offset: Int64?) {
            self.type = type
            self.at = at
            self.offset = offset
        }
    }

    package var name: String
    package var messageId: String
    package var receivers: [Receiver]
    package var events: [Event]

    package init(name: String, messageId: String, receivers: [Receiver], events: [Event]) {
        self.name = name
        self.messageId = messageId
        self.receivers = receivers
        self.events = events
    }
}

/// One error of an AppRec as the status file shows it: a code from KITH list 8221 (or 8222),
/// its text, free-text details and the code list's OID.
package struct AppRecError: Codable, Sendable, Equatable {
    package var errorCode: String
    package var details: String?
    package var description: String?
    package var oid: String?

    package init(errorCode: String, details: String? = nil, description: String? = nil, oid: String? = nil) {
        self.errorCode = errorCode
        self.details = details
        self.description = description
        self.oid = oid
    }
}

/// `receipts/unmatched/<messageId>.problem.json`: a notification that cannot be handled without
/// an operator (quarantined). `dropbridge retry --message KEY` tries it again.
package struct InboundProblem: Codable, Sendable, Equatable {
    /// The message id, or `offset-N` for a notification without a usable one.
    package var key: String
    package var messageId: String?
    package var offset: Int64
    package var type: String
    package var reason: String
    package var attempts: Int
    package var quarantinedAt: String
    package var retry: String

    package init(key: String, messageId: String?, offset: Int64, type: String, reason: String, attempts: Int, quarantinedAt: String) {
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
