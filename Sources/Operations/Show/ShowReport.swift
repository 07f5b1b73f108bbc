import DropbridgeCore
import Foundation
import Ledger

/// `dropbridge show KEY`: the whole history of the drops and received messages KEY names (a drop
/// name, a MsgId or NHN's message id), like `postcat` for a queue file. From the ledger
/// (read-only) and the names of the files written; never a document's content.
package struct ShowReport: Codable, Sendable, Equatable {
    package var key: String
    package var drops: [Drop]
    package var received: [Received]

    package var isEmpty: Bool { drops.isEmpty && received.isEmpty }

    package struct Drop: Codable, Sendable, Equatable {
        package var record: DropRecord
        /// The name the drop is known by now (a retried drop's earlier row shows its old name).
        package var name: String
        package var history: [DropHistoryEvent]
        /// Notifications NHN sent about it (status changes, AppRecs), in order.
        package var notifications: [QueuedNotification]
        /// Files of this drop in receipts/, sent/ and failed/, as `folder/file`.
        package var files: [String]
    }

    package struct Received: Codable, Sendable, Equatable {
        package var record: InboundRecord
        package var notifications: [QueuedNotification]
        /// `inbox/…` or `receipts/…` files of this message that exist.
        package var files: [String]
    }
}

package enum ShowReporter {
    package static func report(key: String, config: BridgeConfig, ledger: Ledger) throws -> ShowReport {
        let drops = try ledger.drops(matching: key).map { record -> ShowReport.Drop in
            let name = Self.visibleName(record)
            let notifications = try record.messageId.map { try ledger.notifications(about: $0) } ?? []
            return ShowReport.Drop(
                record: record, name: name, history: try record.id.map { try ledger.history(dropId: $0) } ?? [],
                notifications: notifications, files: Self.files(of: record.releasedAs ?? name, config: config))
        }
        let received = try ledger.inbound(matching: key).map { record -> ShowReport.Received in
            let folder = record.kind == "apprec" ? config.folders.receipts : config.folders.inbox
            let label = record.kind == "apprec" ? "receipts" : "inbox"
            let base = (record.fileName as NSString).deletingPathExtension
            let files = [record.fileName, base + ".json"].filter { FileManager.default.fileExists(atPath: folder + "/" + $0) }
            return ShowReport.Received(
                record: record, notifications: try ledger.notifications(about: record.messageId),
                files: Array(Set(files)).sorted().map { label + "/" + $0 })
        }
        return ShowReport(key: key, drops: drops, received: received)
    }

    /// `releaseName` hides a retried drop's old name behind `\u{1}retried-ID`.
    package static func visibleName(_ record: DropRecord) -> String {
        guard let cut = record.name.firstIndex(of: "\u{1}") else { return record.name }
        return String(record.name[..<cut])
    }

    /// `NAME.*` in receipts/, sent/ and failed/ (only names; nothing is opened).
    static func files(of name: String, config: BridgeConfig) -> [String] {
        var found: [String] = []
        for (label, folder) in [("receipts", config.folders.receipts), ("sent", config.folders.sent), ("failed", config.folders.failed)] {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for file in names.sorted() where file.hasPrefix(name + ".") && Self.isOwnSuffix(String(file.dropFirst(name.count + 1))) {
                found.append(label + "/" + file)
            }
        }
        return found
    }

    /// The endings dropbridge writes after `NAME.` (so `a.` does not claim `a.b.xml` of drop `a.b`).
    static func isOwnSuffix(_ rest: String) -> Bool {
        ["xml", "xml.gz", "json", "apprec.json", "error.json", "sent.json", "status.json", "refused.json", "apprec-sent.json"].contains(rest)
            || (rest.hasPrefix("apprec.") && rest.hasSuffix(".xml") && rest.dropFirst(7).dropLast(4).allSatisfy(\.isNumber))
    }
}
