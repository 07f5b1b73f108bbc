/// `GET /_sim/altinn/settings` shows the settings as JSON; `PUT` changes the keys it names
/// (`null` for `readSeconds`/`confirmSeconds`: the recipient acts only when told).
extension CorrespondenceSettings: Codable {
    enum CodingKeys: String, CodingKey {
        case resourceIds, confidentialResourceIds, unknownRecipients, reservedRecipients, failingRecipients, scanSeconds,
            readSeconds, confirmSeconds, maxAttachmentBytes, maxRequestBytes, isProduction
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(resourceIds.sorted(), forKey: .resourceIds)
        try container.encode(confidentialResourceIds.sorted(), forKey: .confidentialResourceIds)
        try container.encode(unknownRecipients.sorted(), forKey: .unknownRecipients)
        try container.encode(reservedRecipients.sorted(), forKey: .reservedRecipients)
        try container.encode(failingRecipients, forKey: .failingRecipients)
        try container.encode(scanSeconds, forKey: .scanSeconds)
        try container.encode(readSeconds, forKey: .readSeconds)
        try container.encode(confirmSeconds, forKey: .confirmSeconds)
        try container.encode(maxAttachmentBytes, forKey: .maxAttachmentBytes)
        try container.encode(maxRequestBytes, forKey: .maxRequestBytes)
        try container.encode(isProduction, forKey: .isProduction)
    }

    /// The defaults, changed by the keys present.
    public init(from decoder: any Decoder) throws {
        self.init()
        try apply(decoder)
    }

    /// Changes the keys present in `decoder`'s object, keeps the rest.
    mutating func apply(_ decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func set<Value: Decodable>(_ key: CodingKeys, _ keyPath: WritableKeyPath<Self, Value>) throws {
            if let value = try container.decodeIfPresent(Value.self, forKey: key) { self[keyPath: keyPath] = value }
        }
        func setOptional(_ key: CodingKeys, _ keyPath: WritableKeyPath<Self, Double?>) throws {
            guard container.contains(key) else { return }
            self[keyPath: keyPath] = try container.decodeNil(forKey: key) ? nil : try container.decode(Double.self, forKey: key)
        }
        try set(.resourceIds, \.resourceIds)
        try set(.confidentialResourceIds, \.confidentialResourceIds)
        try set(.unknownRecipients, \.unknownRecipients)
        try set(.reservedRecipients, \.reservedRecipients)
        try set(.failingRecipients, \.failingRecipients)
        try set(.scanSeconds, \.scanSeconds)
        try setOptional(.readSeconds, \.readSeconds)
        try setOptional(.confirmSeconds, \.confirmSeconds)
        try set(.maxAttachmentBytes, \.maxAttachmentBytes)
        try set(.maxRequestBytes, \.maxRequestBytes)
        try set(.isProduction, \.isProduction)
    }

    /// Reasons the settings cannot be used, empty when they can.
    public var problems: [String] {
        var problems: [String] = []
        if resourceIds.isEmpty { problems.append("resourceIds must name at least one resource") }
        if scanSeconds < 0 { problems.append("scanSeconds must not be negative") }
        if let readSeconds, readSeconds < 0 { problems.append("readSeconds must not be negative") }
        if let confirmSeconds, confirmSeconds < 0 { problems.append("confirmSeconds must not be negative") }
        if maxAttachmentBytes < 1 { problems.append("maxAttachmentBytes must be positive") }
        if maxRequestBytes < 1 { problems.append("maxRequestBytes must be positive") }
        return problems
    }
}

/// A PUT that names only some keys: the keys it names and their values, applied later to
/// whatever the settings are then.
struct CorrespondenceSettingsChange: Decodable {
    private let changed: CorrespondenceSettings
    private let keys: Set<String>

    init(from decoder: any Decoder) throws {
        changed = try CorrespondenceSettings(from: decoder)
        keys = Set(try decoder.container(keyedBy: CorrespondenceSettings.CodingKeys.self).allKeys.map(\.stringValue))
    }

    /// `current` with the named keys taken from the change.
    func applied(to current: CorrespondenceSettings) -> CorrespondenceSettings {
        var result = current
        typealias Keys = CorrespondenceSettings.CodingKeys
        if keys.contains(Keys.resourceIds.rawValue) { result.resourceIds = changed.resourceIds }
        if keys.contains(Keys.confidentialResourceIds.rawValue) { result.confidentialResourceIds = changed.confidentialResourceIds }
        if keys.contains(Keys.unknownRecipients.rawValue) { result.unknownRecipients = changed.unknownRecipients }
        if keys.contains(Keys.reservedRecipients.rawValue) { result.reservedRecipients = changed.reservedRecipients }
        if keys.contains(Keys.failingRecipients.rawValue) { result.failingRecipients = changed.failingRecipients }
        if keys.contains(Keys.scanSeconds.rawValue) { result.scanSeconds = changed.scanSeconds }
        if keys.contains(Keys.readSeconds.rawValue) { result.readSeconds = changed.readSeconds }
        if keys.contains(Keys.confirmSeconds.rawValue) { result.confirmSeconds = changed.confirmSeconds }
        if keys.contains(Keys.maxAttachmentBytes.rawValue) { result.maxAttachmentBytes = changed.maxAttachmentBytes }
        if keys.contains(Keys.maxRequestBytes.rawValue) { result.maxRequestBytes = changed.maxRequestBytes }
        if keys.contains(Keys.isProduction.rawValue) { result.isProduction = changed.isProduction }
        return result
    }
}
