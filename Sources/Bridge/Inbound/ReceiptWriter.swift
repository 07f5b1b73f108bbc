import DropFolder
import DropbridgeCore
import Foundation

extension InboundProblem {
    /// The file's name in `receipts/unmatched/`.
    package static func fileName(key: String) -> String { InboxWriter.fileName(forMessageId: key) + ".problem.json" }
}

/// Writes what happened to sent drops into `receipts/`, durably. Refusals and AppRec documents
/// are written once (never clobbered); the status file is replaced atomically on every change.
package struct ReceiptWriter: Sendable {
    package let receipts: String
    package let durable: DurableFiles

    package init(receipts: String, durable: DurableFiles) {
        self.receipts = receipts
        self.durable = durable
    }

    var unmatched: String { receipts + "/unmatched" }

    /// `receipts/NAME.apprec.<herId>.xml`, or `receipts/unmatched/<messageId>.apprec.xml`.
    /// Writes an AppRec beside its drop (or in `unmatched/`) and returns its name relative to
    /// `receipts/`. A second, different AppRec from the same sender for the same drop gets its
    /// message id in the name instead of being dropped; the same one again is found as written.
    @discardableResult
    package func writeAppRec(_ document: [UInt8], dropName: String?, senderHerId: Int?, messageId: String) throws -> String {
        let id = InboxWriter.fileName(forMessageId: messageId)
        guard let dropName else {
            try createOnce(document, in: try unmatchedFolder(), named: id + ".apprec.xml")
            return "unmatched/" + id + ".apprec.xml"
        }
        let name = "\(dropName).apprec.\(senderHerId.map(String.init) ?? "unknown")"
        if try createOrFind(document, in: receipts, named: name + ".xml") { return name + ".xml" }
        try createOnce(document, in: receipts, named: name + "." + id + ".xml")
        return name + "." + id + ".xml"
    }

    /// `NAME.refused.json` for the first receiver that refused; another receiver's refusal of the
    /// same drop goes to `NAME.refused.<herId>.json` (one per receiver, as AppRecs are). Returns
    /// the name relative to `receipts/`.
    @discardableResult
    package func writeRefused(_ receipt: RefusedReceipt, matched: Bool, key: String) throws -> String {
        let bytes = try ContractJSON.encode(receipt)
        if matched {
            let first = receipt.name + ".refused.json"
            if try createOrFind(bytes, in: receipts, named: first) { return first }
            let written = FileManager.default.contents(atPath: receipts + "/" + first)
                .flatMap { try? JSONDecoder().decode(RefusedReceipt.self, from: $0) }
            // The same receiver again (NHN repeating itself, at another time): the file stands.
            if let written, written.receiverHerId == receipt.receiverHerId { return first }
            let other = receipt.name + ".refused.\(receipt.receiverHerId.map(String.init) ?? "unknown").json"
            try createOnce(bytes, in: receipts, named: other)
            return other
        } else {
            try createOnce(bytes, in: try unmatchedFolder(), named: InboxWriter.fileName(forMessageId: key) + ".refused.json")
            return "unmatched/" + InboxWriter.fileName(forMessageId: key) + ".refused.json"
        }
    }

    /// Replaced on every quarantine (a retried item that fails again says so). Returns the name
    /// relative to `receipts/`.
    @discardableResult
    package func writeProblem(_ problem: InboundProblem) throws -> String {
        let bytes = try ContractJSON.encode(problem)
        let name = InboundProblem.fileName(key: problem.key)
        try durable.replace(bytes, in: try unmatchedFolder(), named: name)
        return "unmatched/" + name
    }

    /// Moves an AppRec filed in `unmatched/` beside the drop it turned out to answer (a status
    /// naming its id came after it). Returns the new name relative to `receipts/`, or nil when
    /// the unmatched file is not there.
    package func refileAppRec(unmatchedName: String, dropName: String, senderHerId: Int?, messageId: String) throws -> String? {
        guard unmatchedName.hasPrefix("unmatched/"),
            let data = FileManager.default.contents(atPath: receipts + "/" + unmatchedName)
        else { return nil }
        let name = try writeAppRec(Array(data), dropName: dropName, senderHerId: senderHerId, messageId: messageId)
        // Durable beside the drop first; only then the unmatched copy goes.
        try? FileManager.default.removeItem(atPath: receipts + "/" + unmatchedName)
        return name
    }

    /// Reads the current status file (for its history), if any.
    package func status(of name: String) -> StatusReceipt? {
        guard let data = FileManager.default.contents(atPath: receipts + "/" + name + ".status.json") else { return nil }
        return try? JSONDecoder().decode(StatusReceipt.self, from: data)
    }

    package func writeStatus(_ status: StatusReceipt) throws {
        let bytes = try ContractJSON.encode(status)
        try durable.replace(bytes, in: receipts, named: status.name + ".status.json")
    }

    func prepareUnmatched() throws { _ = try unmatchedFolder() }

    private func unmatchedFolder() throws -> String {
        try durable.ensureFolder(unmatched, key: "receipts/unmatched")
        return unmatched
    }

    /// A second write of the same receipt (a repeated notification) finds it there: fine.
    private func createOnce(_ bytes: [UInt8], in folder: String, named name: String) throws {
        do {
            try durable.create(bytes, in: folder, named: name)
        } catch DurableFileError.exists {
            // Perhaps renamed but not yet durable when the earlier run stopped.
            try durable.syncExisting(name, in: folder)
        }
    }

    /// True when `name` now holds `bytes` (written now, or earlier by the same notification);
    /// false when it holds something else.
    private func createOrFind(_ bytes: [UInt8], in folder: String, named name: String) throws -> Bool {
        do {
            try durable.create(bytes, in: folder, named: name)
            return true
        } catch DurableFileError.exists {
            guard FileManager.default.contents(atPath: folder + "/" + name).map(Array.init) == bytes else { return false }
            try durable.syncExisting(name, in: folder)
            return true
        }
    }
}
