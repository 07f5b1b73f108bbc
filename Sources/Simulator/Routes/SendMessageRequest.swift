import DropbridgeCore

/// The JSON body of `POST /messages` (docs/nhn-edi.md §3.2), read field by field so every
/// missing or wrongly typed field is reported by name, as NHN's `validationErrors` do.
struct SendMessageRequest: Sendable, Equatable {
    var senderHerId: Int
    var receiverHerIds: [Int]
    /// Still base64; decoded by the route.
    var businessDocument: String
    var messageTypeIdentificator: String
    var applicationName: String
    var applicationVersion: String
    var transportMetadataOverrides: [String: JSONValue]?

    static let topLevelKeys: Set<String> = [
        "senderHerId", "receiverHerIds", "businessDocument", "contentType", "contentTransferEncoding",
        "messageTypeIdentificator", "applicationName", "applicationVersion", "transportMetadataOverrides",
    ]
    static let overrideStringKeys: Set<String> = [
        "cpaId", "conversationId", "service", "serviceType", "senderRole", "receiverRole", "action",
        "middlewareName", "middlewareVersion",
    ]
    static let overrideBoolKeys: Set<String> = ["compressPayload"]

    /// Parses and validates the body; throws a 400/1001 `NHNProblem` listing every problem found.
    static func parse(_ body: [UInt8]) throws(NHNProblem) -> SendMessageRequest {
        var reader = try FieldReader.body(body, allowedKeys: topLevelKeys)
        let sender = reader.herId("senderHerId")
        let receivers = reader.herIdList("receiverHerIds")
        let document = reader.string("businessDocument", allowEmpty: false)
        reader.fixedString("contentType", "application/xml")
        reader.fixedString("contentTransferEncoding", "base64")
        let messageType = reader.string("messageTypeIdentificator", allowEmpty: false)
        let applicationName = reader.string("applicationName", allowEmpty: false)
        let applicationVersion = reader.string("applicationVersion", allowEmpty: false)
        let overrides = reader.overrides("transportMetadataOverrides")

        guard reader.errors.isEmpty, let sender, let receivers, let document, let messageType,
            let applicationName, let applicationVersion
        else {
            throw .validation("One or more validation errors occurred.", errors: reader.errors)
        }
        return SendMessageRequest(
            senderHerId: sender, receiverHerIds: receivers, businessDocument: document,
            messageTypeIdentificator: messageType, applicationName: applicationName,
            applicationVersion: applicationVersion, transportMetadataOverrides: overrides)
    }
}

/// Reads typed fields from a JSON object, collecting one message per bad field.
struct FieldReader {
    let fields: [String: JSONValue]
    var errors: [String] = []

    /// A request body read strictly (duplicate keys refused) as one JSON object, with every key
    /// outside `allowedKeys` already noted as an error.
    static func body(_ body: [UInt8], allowedKeys: Set<String>) throws(NHNProblem) -> FieldReader {
        let json: JSONValue
        do {
            json = try StrictJSON.parse(body)
        } catch {
            throw .validation("The request body is not valid JSON.", errors: ["$: \(error.description)"])
        }
        guard case .object(let fields) = json else {
            throw .validation("The request body must be a JSON object.", errors: ["$: expected a JSON object"])
        }
        var reader = FieldReader(fields: fields)
        for key in fields.keys.sorted() where !allowedKeys.contains(key) { reader.errors.append("\(key): unknown field") }
        return reader
    }

    /// NHN is a .NET service: HER-ids are positive 32-bit integers.
    static func herId(from value: JSONValue) -> Int? {
        guard case .number(let number) = value, number.rounded() == number,
            number >= 1, number <= Double(Int32.max)
        else { return nil }
        return Int(number)
    }

    mutating func present(_ name: String) -> JSONValue? {
        guard let value = fields[name], value != .null else {
            errors.append("\(name): the field is required")
            return nil
        }
        return value
    }

    mutating func herId(_ name: String) -> Int? {
        guard let value = present(name) else { return nil }
        guard let herId = Self.herId(from: value) else {
            errors.append("\(name): must be a positive integer HER-id")
            return nil
        }
        return herId
    }

    mutating func herIdList(_ name: String) -> [Int]? {
        guard let value = present(name) else { return nil }
        guard case .array(let items) = value else {
            errors.append("\(name): must be an array of integer HER-ids")
            return nil
        }
        guard !items.isEmpty else {
            errors.append("\(name): must contain at least one HER-id")
            return nil
        }
        var herIds: [Int] = []
        for (index, item) in items.enumerated() {
            guard let herId = Self.herId(from: item) else {
                errors.append("\(name)[\(index)]: must be a positive integer HER-id")
                return nil
            }
            herIds.append(herId)
        }
        return herIds
    }

    mutating func string(_ name: String, allowEmpty: Bool) -> String? {
        guard let value = present(name) else { return nil }
        guard case .string(let text) = value else {
            errors.append("\(name): must be a string")
            return nil
        }
        guard allowEmpty || !text.isEmpty else {
            errors.append("\(name): must not be empty")
            return nil
        }
        return text
    }

    mutating func fixedString(_ name: String, _ expected: String) {
        guard let text = string(name, allowEmpty: false) else { return }
        if text != expected { errors.append("\(name): '\(text)' is not supported; only '\(expected)' is") }
    }

    mutating func overrides(_ name: String) -> [String: JSONValue]? {
        guard let value = fields[name], value != .null else { return nil }
        guard case .object(let overrides) = value else {
            errors.append("\(name): must be an object")
            return nil
        }
        for (key, item) in overrides.sorted(by: { $0.key < $1.key }) {
            let field = "\(name).\(key)"
            if SendMessageRequest.overrideStringKeys.contains(key) {
                if case .string = item { continue }
                if item == .null { continue }
                errors.append("\(field): must be a string or null")
            } else if SendMessageRequest.overrideBoolKeys.contains(key) {
                if case .bool = item { continue }
                if item == .null { continue }
                errors.append("\(field): must be a boolean or null")
            } else {
                errors.append("\(field): unknown field")
            }
        }
        return overrides
    }
}
