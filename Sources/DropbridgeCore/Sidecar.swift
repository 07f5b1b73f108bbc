/// The sidecar `NAME.json`: metadata for sending one drop (docs/contract.md §2).
package enum Sidecar: Sendable, Equatable {
    case nhn(NHNSidecar)
    case altinn(AltinnSidecar)

    package var channel: String {
        switch self {
        case .nhn: "nhn"
        case .altinn: "altinn"
        }
    }
}

package struct NHNSidecar: Sendable, Equatable, Codable {
    package var senderHerId: Int?
    package var receiverHerIds: [Int]
    package var messageTypeIdentificator: String?
    package var transportMetadataOverrides: TransportMetadataOverrides?

    package init(
        senderHerId: Int? = nil, receiverHerIds: [Int], messageTypeIdentificator: String? = nil,
        transportMetadataOverrides: TransportMetadataOverrides? = nil
    ) {
        self.senderHerId = senderHerId
        self.receiverHerIds = receiverHerIds
        self.messageTypeIdentificator = messageTypeIdentificator
        self.transportMetadataOverrides = transportMetadataOverrides
    }
}

extension NHNSidecar {
    /// The most receivers one drop may name. NHN documents no limit for `POST /messages`
    /// (docs/nhn-edi.md §3.2: "at least one"); one MsgHead has one receiver plus copy receivers,
    /// and every receiver is a shipment NHN tracks on its own (status, AppRec). A list longer
    /// than this is a producer's mistake (a whole register pasted in), not a message; 1,500 is
    /// NHN's own cap on HER-ids in one call (`GET /notifications`), kept well below.
    package static let maxReceivers = 100

    /// `receiverHerIds`: 1–`maxReceivers` HER-ids, each once (a duplicate would be one
    /// receiver named twice to NHN: one sidecar listing 8094866 5,000 times produced 5,000
    /// deliveries).
    static func checkReceivers(_ receivers: [Int]) throws(SidecarError) {
        guard receivers.count <= maxReceivers else {
            throw SidecarError(
                "\"receiverHerIds\" names \(receivers.count) receivers; at most \(maxReceivers) are allowed in one drop (split it into several drops)")
        }
        var seen: [Int: Int] = [:]
        for (index, herId) in receivers.enumerated() {
            if let first = seen[herId] {
                throw SidecarError(
                    "\"receiverHerIds[\(index)]\": HER-id \(herId) is already named at receiverHerIds[\(first)]; name each receiver once")
            }
            seen[herId] = index
        }
    }
}

/// ebXML overrides passed through to `POST /messages` (docs/nhn-edi.md §3.2).
package struct TransportMetadataOverrides: Sendable, Equatable, Codable {
    package var cpaId: String?
    package var conversationId: String?
    package var service: String?
    package var serviceType: String?
    package var senderRole: String?
    package var receiverRole: String?
    package var action: String?
    package var middlewareName: String?
    package var middlewareVersion: String?
    package var compressPayload: Bool?

    package init() {}

    static let stringKeys = [
        "cpaId", "conversationId", "service", "serviceType", "senderRole", "receiverRole", "action",
        "middlewareName", "middlewareVersion",
    ]
}

/// The Altinn sidecar as decoded (types checked); `AltinnCorrespondence.validate` applies the
/// server's rules to it.
package struct AltinnSidecar: Sendable, Equatable {
    package var resourceId: String?
    package var recipients: [String]
    package var sendersReference: String?
    package var content: AltinnContent?
    package var attachmentName: String?
    package var isConfirmationNeeded: Bool?
    package var dueDateTime: String?
    package var notification: AltinnNotification?
    /// `correspondence.propertyList` (extension of the contract's sidecar): string values only.
    package var propertyList: [String: String]?

    package init(recipients: [String]) { self.recipients = recipients }
}

/// `correspondence.content`, without attachments (the drop's XML is the one attachment).
package struct AltinnContent: Sendable, Equatable {
    package var language: String?
    package var messageTitle: String?
    package var messageSummary: String?
    package var messageBody: String?

    package init(language: String? = nil, messageTitle: String? = nil, messageSummary: String? = nil, messageBody: String? = nil) {
        self.language = language
        self.messageTitle = messageTitle
        self.messageSummary = messageSummary
        self.messageBody = messageBody
    }
}

/// `correspondence.notification` as the API defines it (docs/altinn-correspondence.md §3.6), without the custom
/// recipients (they would need a person's number in the sidecar per correspondence).
package struct AltinnNotification: Sendable, Equatable {
    package var notificationTemplate: String?
    package var notificationChannel: String?
    package var emailSubject: String?
    package var emailBody: String?
    package var emailContentType: String?
    package var smsBody: String?
    package var sendReminder: Bool?
    package var reminderEmailSubject: String?
    package var reminderEmailBody: String?
    package var reminderEmailContentType: String?
    package var reminderSmsBody: String?
    package var reminderNotificationChannel: String?
    package var sendersReference: String?

    package init() {}

    static let stringKeys: [String] = [
        "notificationTemplate", "notificationChannel", "emailSubject", "emailBody", "emailContentType", "smsBody",
        "reminderEmailSubject", "reminderEmailBody", "reminderEmailContentType", "reminderSmsBody",
        "reminderNotificationChannel", "sendersReference",
    ]

    /// The fields that are set, by their API name, in a fixed order (for the request).
    package var fields: [(key: String, value: String)] {
        var result: [(key: String, value: String)] = []
        let strings: [(String, String?)] = [
            ("notificationTemplate", notificationTemplate), ("notificationChannel", notificationChannel),
            ("emailSubject", emailSubject), ("emailBody", emailBody), ("emailContentType", emailContentType),
            ("smsBody", smsBody), ("reminderEmailSubject", reminderEmailSubject), ("reminderEmailBody", reminderEmailBody),
            ("reminderEmailContentType", reminderEmailContentType), ("reminderSmsBody", reminderSmsBody),
            ("reminderNotificationChannel", reminderNotificationChannel), ("sendersReference", sendersReference),
        ]
        for (key, value) in strings { if let value { result.append((key, value)) } }
        if let sendReminder { result.append(("sendReminder", sendReminder ? "true" : "false")) }
        return result
    }
}

extension Sidecar {
    /// Decodes a sidecar strictly: not JSON, duplicate keys, unknown keys, wrong types and an
    /// empty `receiverHerIds` are refusals whose message names the key.
    package static func decode(_ bytes: [UInt8]) throws(SidecarError) -> Sidecar {
        let root: JSONValue
        do {
            root = try StrictJSON.parse(bytes)
        } catch {
            throw SidecarError("the sidecar is not valid JSON: \(error)")
        }
        var fields = try FieldReader(root, path: "")
        let channel = try fields.string("channel") ?? "nhn"
        switch channel {
        case "nhn":
            let sender = try fields.herId("senderHerId")
            let receivers = try fields.herIdArray("receiverHerIds")
            let messageType = try fields.string("messageTypeIdentificator")
            var overrides: TransportMetadataOverrides?
            if let value = fields.take("transportMetadataOverrides"), value != .null {
                var inner = try FieldReader(value, path: "transportMetadataOverrides.")
                var decoded = TransportMetadataOverrides()
                decoded.cpaId = try inner.string("cpaId")
                decoded.conversationId = try inner.string("conversationId")
                decoded.service = try inner.string("service")
                decoded.serviceType = try inner.string("serviceType")
                decoded.senderRole = try inner.string("senderRole")
                decoded.receiverRole = try inner.string("receiverRole")
                decoded.action = try inner.string("action")
                decoded.middlewareName = try inner.string("middlewareName")
                decoded.middlewareVersion = try inner.string("middlewareVersion")
                decoded.compressPayload = try inner.bool("compressPayload")
                try inner.refuseUnknown()
                overrides = decoded
            }
            // Unknown keys first: a misspelt "receiverHerIds" is the likeliest cause of a missing one.
            try fields.refuseUnknown()
            guard let receivers else {
                throw SidecarError("the sidecar has no \"receiverHerIds\" (a list of at least one HER-id)")
            }
            guard !receivers.isEmpty else {
                throw SidecarError("\"receiverHerIds\" is empty: name at least one receiver HER-id")
            }
            try NHNSidecar.checkReceivers(receivers)
            return .nhn(
                NHNSidecar(
                    senderHerId: sender, receiverHerIds: receivers, messageTypeIdentificator: messageType,
                    transportMetadataOverrides: overrides))
        case "altinn":
            var sidecar = AltinnSidecar(recipients: [])
            sidecar.resourceId = try fields.string("resourceId")
            let recipients = try fields.stringArray("recipients")
            sidecar.sendersReference = try fields.string("sendersReference")
            if let value = try fields.object("content") {
                var inner = try FieldReader(value, path: "content.")
                sidecar.content = AltinnContent(
                    language: try inner.string("language"), messageTitle: try inner.string("messageTitle"),
                    messageSummary: try inner.string("messageSummary"), messageBody: try inner.string("messageBody"))
                try inner.refuseUnknown()
            }
            sidecar.attachmentName = try fields.string("attachmentName")
            sidecar.isConfirmationNeeded = try fields.bool("isConfirmationNeeded")
            sidecar.dueDateTime = try fields.string("dueDateTime")
            if let value = try fields.object("notification") {
                var inner = try FieldReader(value, path: "notification.")
                var notification = AltinnNotification()
                notification.notificationTemplate = try inner.string("notificationTemplate")
                notification.notificationChannel = try inner.string("notificationChannel")
                notification.emailSubject = try inner.string("emailSubject")
                notification.emailBody = try inner.string("emailBody")
                notification.emailContentType = try inner.string("emailContentType")
                notification.smsBody = try inner.string("smsBody")
                notification.sendReminder = try inner.bool("sendReminder")
                notification.reminderEmailSubject = try inner.string("reminderEmailSubject")
                notification.reminderEmailBody = try inner.string("reminderEmailBody")
                notification.reminderEmailContentType = try inner.string("reminderEmailContentType")
                notification.reminderSmsBody = try inner.string("reminderSmsBody")
                notification.reminderNotificationChannel = try inner.string("reminderNotificationChannel")
                notification.sendersReference = try inner.string("sendersReference")
                try inner.refuseUnknown()
                sidecar.notification = notification
            }
            sidecar.propertyList = try fields.stringMap("propertyList")
            try fields.refuseUnknown()
            guard let recipients, !recipients.isEmpty else {
                throw SidecarError("\"recipients\" must list at least one recipient URN")
            }
            sidecar.recipients = recipients
            return .altinn(sidecar)
        default:
            throw SidecarError("\"channel\" must be \"nhn\" or \"altinn\", not \"\(channel)\"")
        }
    }
}

package struct SidecarError: Error, Sendable, Equatable, CustomStringConvertible {
    package var message: String
    package init(_ message: String) { self.message = message }
    package var description: String { message }
}

/// Reads the keys of one JSON object, remembering which were used so the rest can be refused.
struct FieldReader {
    private var remaining: [String: JSONValue]
    private let path: String

    init(_ value: JSONValue, path: String) throws(SidecarError) {
        guard case .object(let object) = value else {
            throw SidecarError(path.isEmpty ? "the sidecar must be a JSON object" : "\"\(path.dropLast())\" must be an object")
        }
        remaining = object
        self.path = path
    }

    mutating func take(_ key: String) -> JSONValue? { remaining.removeValue(forKey: key) }

    mutating func string(_ key: String) throws(SidecarError) -> String? {
        switch take(key) {
        case nil, .null?: return nil
        case .string(let value)?: return value
        default: throw SidecarError("\"\(path)\(key)\" must be a string")
        }
    }

    mutating func bool(_ key: String) throws(SidecarError) -> Bool? {
        switch take(key) {
        case nil, .null?: return nil
        case .bool(let value)?: return value
        default: throw SidecarError("\"\(path)\(key)\" must be true or false")
        }
    }

    mutating func object(_ key: String) throws(SidecarError) -> JSONValue? {
        switch take(key) {
        case nil, .null?: return nil
        case let value? where value.isObject: return value
        default: throw SidecarError("\"\(path)\(key)\" must be an object")
        }
    }

    mutating func herId(_ key: String) throws(SidecarError) -> Int? {
        switch take(key) {
        case nil, .null?: return nil
        case let value?:
            guard let id = HerId.from(value) else {
                throw SidecarError("\"\(path)\(key)\" must be a positive whole number (a HER-id)")
            }
            return id
        }
    }

    mutating func herIdArray(_ key: String) throws(SidecarError) -> [Int]? {
        switch take(key) {
        case nil, .null?: return nil
        case .array(let items)?:
            var ids: [Int] = []
            for item in items {
                guard let id = HerId.from(item) else {
                    throw SidecarError("\"\(path)\(key)\" must hold positive whole numbers (HER-ids)")
                }
                ids.append(id)
            }
            return ids
        default: throw SidecarError("\"\(path)\(key)\" must be a list of HER-ids")
        }
    }

    mutating func stringArray(_ key: String) throws(SidecarError) -> [String]? {
        switch take(key) {
        case nil, .null?: return nil
        case .array(let items)?:
            var strings: [String] = []
            for item in items {
                guard case .string(let text) = item else {
                    throw SidecarError("\"\(path)\(key)\" must hold strings")
                }
                strings.append(text)
            }
            return strings
        default: throw SidecarError("\"\(path)\(key)\" must be a list of strings")
        }
    }

    mutating func stringMap(_ key: String) throws(SidecarError) -> [String: String]? {
        switch take(key) {
        case nil, .null?: return nil
        case .object(let object)?:
            var map: [String: String] = [:]
            for (name, value) in object {
                guard case .string(let text) = value else {
                    throw SidecarError("\"\(path)\(key).\(name)\" must be a string")
                }
                map[name] = text
            }
            return map
        default: throw SidecarError("\"\(path)\(key)\" must be an object of strings")
        }
    }

    /// `what`: the file the keys are in, as the refusal names it.
    func refuseUnknown(in what: String = "the sidecar") throws(SidecarError) {
        guard !remaining.isEmpty else { return }
        let names = remaining.keys.sorted().map { "\"\(path)\($0)\"" }.joined(separator: ", ")
        throw SidecarError("unknown key \(names) in \(what) (check the spelling)")
    }

    /// Whether `key` is among the keys not taken yet.
    func hasLeft(_ key: String) -> Bool { remaining[key] != nil }
}

extension JSONValue {
    var isObject: Bool {
        if case .object = self { return true }
        return false
    }
}

package enum HerId {
    /// A HER-id is a positive integer; JSON numbers like `8143060.0` are accepted, `8.5` is not.
    static func from(_ value: JSONValue) -> Int? {
        guard case .number(let number) = value, number.rounded() == number, number > 0, number < 1e12 else {
            return nil
        }
        return Int(number)
    }
}
