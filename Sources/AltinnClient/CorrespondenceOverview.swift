import DropbridgeCore
import Foundation

/// What the overview `GET …/correspondence/{id}` says of one correspondence (the fields the
/// receipts need; the rest is ignored, as Altinn's own clients do).
public struct CorrespondenceOverview: Sendable, Equatable {
    public var correspondenceId: String?
    /// As Altinn names it: `Initialized`, `ReadyForPublish`, `Published`, `Read`, `Confirmed`, `Failed`, …
    public var status: String
    public var statusText: String?
    public var statusChanged: String?
    public var published: String?
    public var read: String?
    public var isConfirmationNeeded: Bool?

    public init(
        correspondenceId: String? = nil, status: String, statusText: String? = nil, statusChanged: String? = nil,
        published: String? = nil, read: String? = nil, isConfirmationNeeded: Bool? = nil
    ) {
        self.correspondenceId = correspondenceId
        self.status = status
        self.statusText = statusText
        self.statusChanged = statusChanged
        self.published = published
        self.read = read
        self.isConfirmationNeeded = isConfirmationNeeded
    }

    /// Property names are case-insensitive on Altinn's side; the enum may come as a string or its number.
    static func decode(_ body: [UInt8]) -> CorrespondenceOverview? {
        guard case .object(let raw)? = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else { return nil }
        var object: [String: JSONValue] = [:]
        for (key, value) in raw { object[key.lowercased()] = value }
        let status: String
        switch object["status"] {
        case .string(let text)?: status = AltinnStatus.name(text)
        case .number(let number)?: status = AltinnStatus.name(Int(number))
        default: return nil
        }
        func text(_ key: String) -> String? { object[key.lowercased()]?.stringValue }
        var confirmation: Bool?
        if case .bool(let flag)? = object["isconfirmationneeded"] { confirmation = flag }
        return CorrespondenceOverview(
            correspondenceId: text("correspondenceId"), status: status, statusText: text("statusText"),
            statusChanged: text("statusChanged").map(AltinnTime.normalize), published: text("published").map(AltinnTime.normalize),
            read: text("read").map(AltinnTime.normalize), isConfirmationNeeded: confirmation)
    }
}

/// The correspondence status enum (reference §6.1).
public enum AltinnStatus {
    public static let names = [
        "Initialized", "ReadyForPublish", "Published", "Fetched", "Read", "Replied", "Confirmed", "PurgedByRecipient",
        "PurgedByAltinn", "Archived", "Reserved", "Failed", "AttachmentsDownloaded", "Forwarded",
    ]

    static func name(_ number: Int) -> String { names.indices.contains(number) ? names[number] : "\(number)" }
    static func name(_ text: String) -> String { names.first { $0.lowercased() == text.lowercased() } ?? text }
}

/// Some Altinn timestamps come without an offset; they are UTC (Digdir's client appends `Z`).
public enum AltinnTime {
    public static func normalize(_ text: String) -> String {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.count >= 19, trimmed.contains("T") else { return trimmed }
        let time = trimmed.split(separator: "T", maxSplits: 1).last ?? ""
        if time.hasSuffix("Z") || time.contains("+") || time.contains("-") { return trimmed }
        return trimmed + "Z"
    }
}
