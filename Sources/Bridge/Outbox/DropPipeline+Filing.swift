import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient

/// Filing an answered drop into `sent/` or `failed/`.
extension DropPipeline {
    /// Writes the output files for an answered drop and marks it filed. The final name (NAME,
    /// or NAME~n when taken in the folder) is recorded before any file moves, so a crash after
    /// the move still files the receipt or error report under it.
    func file(_ start: DropRecord) async throws -> Ending {
        var drop = start
        let accepted = drop.state == .accepted
        let name = try await files.releaseName(for: drop, to: accepted ? .sent : .failed)
        if drop.releasedAs != name {
            drop = try await record(drop) { row in row.releasedAs = name }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        if accepted && drop.isAppRecAnswer {
            let receipt = AppRecSentReceipt(
                name: drop.name, messageId: drop.msgId ?? "", appRecId: drop.messageId ?? "",
                senderHerId: drop.senderHerId ?? 0, acceptedAt: Timestamp.iso8601(drop.acceptedAt ?? drop.updatedAt),
                droppedAs: drop.renamedFrom)
            try await files.fileAsSent(
                drop, as: name, receipt: Array(try encoder.encode(receipt)) + [0x0A], receiptSuffix: ".apprec-sent.json")
        } else if accepted {
            let receipt = sentReceipt(drop, results: try recipientResults(drop))
            try await files.fileAsSent(drop, as: name, receipt: Array(try encoder.encode(receipt)) + [0x0A], receiptSuffix: ".sent.json")
        } else {
            let failure = drop.failure?.dropFailure ?? DropFailure(stage: .reading, reason: "unknown")
            var report = ErrorReport(
                name: drop.name, failure: failure, failedAt: Timestamp.iso8601(drop.updatedAt),
                droppedAs: drop.renamedFrom, msgId: drop.msgId)
            let results = try recipientResults(drop)
            report.recipients = results
            // Partly refused: those that have it get their receipt first (and their status
            // follows), then the drop goes to failed/ saying which were refused.
            if let results, results.contains(where: { $0.correspondenceId != nil }) {
                let receipt = sentReceipt(drop, results: results)
                try await files.writeReceipt(Array(try encoder.encode(receipt)) + [0x0A], named: name + ".sent.json")
            }
            try await files.fileAsFailed(drop, as: name, report: Array(try encoder.encode(report)) + [0x0A])
        }
        let now = Timestamp.now()
        let filed = try await record(drop) { row in row.filedAt = now }
        logger.info(accepted ? "drop filed in sent/" : "drop filed in failed/", metadata: filed.logMetadata)
        metrics.dropFinished(
            channel: filed.channel, outcome: accepted ? "sent" : "failed",
            stage: accepted ? "none" : (filed.failure?.dropFailure.stage.rawValue ?? "reading"),
            claimToAcceptedSeconds: accepted ? filed.acceptedAt.map { max(0, $0 - filed.claimedAt) } : nil)
        return accepted ? .sent : .failed
    }

    func countHeld(_ drop: DropRecord) {
        metrics.dropFinished(channel: drop.channel, outcome: "held", stage: "sending", claimToAcceptedSeconds: nil)
    }
}

extension DropPipeline {
    func recipientResults(_ drop: DropRecord) throws -> [RecipientResult]? {
        try channels.channel(named: drop.channel)?.recipientResults(for: drop)
    }

    func sentReceipt(_ drop: DropRecord, results: [RecipientResult]?) -> SentReceipt {
        var receipt = SentReceipt(
            name: drop.name, channel: drop.channel, messageId: drop.messageId ?? "",
            acceptedAt: Timestamp.iso8601(drop.acceptedAt ?? drop.updatedAt),
            senderHerId: drop.senderHerId ?? (drop.channel == "nhn" ? 0 : nil),
            receiverHerIds: drop.receiverHerIds ?? (drop.channel == "nhn" ? [] : nil), msgId: drop.msgId,
            droppedAs: drop.renamedFrom)
        if let results {
            var ids: [String: String] = [:]
            for result in results { if let id = result.correspondenceId { ids[result.recipient] = id } }
            receipt.correspondenceIds = ids
            receipt.recipients = results
        }
        return receipt
    }
}

extension DropRecord {
    /// The name as dropped, when the drop had to take another (`NAME~2`).
    var renamedFrom: String? { name == originalName ? nil : originalName }

    /// What a log line may say about a drop: never document contents or patient data.
    public var logMetadata: Logger.Metadata {
        var metadata: Logger.Metadata = ["drop": "\(name)", "state": "\(state.rawValue)"]
        if let msgId { metadata["msgId"] = "\(msgId)" }
        if let messageId { metadata["messageId"] = "\(messageId)" }
        if attempts > 0 { metadata["attempts"] = "\(attempts)" }
        switch state {
        case .accepted: metadata["outcome"] = "sent"
        case .failed: metadata["outcome"] = "failed"
        case .held: metadata["outcome"] = "held"
        default: break
        }
        return metadata
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
