import Foundation
import Bridge
import Ledger

/// `dropbridge show` for a terminal.
package enum ShowText {
    package static func render(_ report: ShowReport) -> String {
        var lines: [String] = []
        for drop in report.drops {
            let record = drop.record
            lines.append("drop \(drop.name)\(record.originalName != drop.name ? " (dropped as \(record.originalName))" : "")")
            lines.append("  state        \(record.state.rawValue)\(record.filedAt != nil ? ", filed" : ", not filed yet")")
            lines.append("  channel      \(record.channel)")
            lines.append("  claimed      \(time(record.claimedAt)) as d\(record.id ?? 0)")
            if let msgId = record.msgId { lines.append("  MsgId        \(msgId)") }
            if let type = record.messageType { lines.append("  type         \(type)") }
            if let sender = record.senderHerId { lines.append("  sender       \(sender)") }
            if let receivers = record.receiverHerIds { lines.append("  receivers    \(receivers.map(String.init).joined(separator: ", "))") }
            if let messageId = record.messageId { lines.append("  messageId    \(messageId)") }
            lines.append("  attempts     \(record.attempts)\(record.possibleDuplicates > 0 ? " (possible duplicates: \(record.possibleDuplicates))" : "")")
            if let accepted = record.acceptedAt { lines.append("  accepted     \(time(accepted))") }
            if let filed = record.filedAt { lines.append("  filed        \(time(filed))\(record.releasedAs.map { " as \($0)" } ?? "")") }
            if let next = record.nextAttemptAt, record.filedAt == nil { lines.append("  next attempt \(time(next))") }
            if let error = record.lastError { lines.append("  last error   \(error)") }
            if let failure = record.failure {
                lines.append("  refused      stage \(failure.stage.rawValue): \(failure.reason)\(failure.httpStatus.map { " (HTTP \($0))" } ?? "")")
                for error in failure.errors ?? [] {
                    lines.append("               \(error.line.map { "line \($0)" } ?? "")\(error.column.map { ":\($0)" } ?? "") \(error.message)")
                }
            }
            lines.append("  history:")
            if drop.history.isEmpty { lines.append("    (none recorded: the drop is older than the history)") }
            var previous: DropHistoryEvent?
            for event in drop.history {
                lines.append("    \(time(event.at))  \(change(from: previous, to: event))")
                previous = event
            }
            appendNotifications(drop.notifications, to: &lines)
            lines.append("  files:")
            if drop.files.isEmpty { lines.append("    (none yet)") }
            for file in drop.files { lines.append("    \(file)") }
        }
        for message in report.received {
            let record = message.record
            lines.append("received message \(record.messageId)")
            lines.append("  kind         \(record.kind)\(record.valid ? "" : " (not valid)")")
            if let msgId = record.msgId { lines.append("  MsgId        \(msgId)") }
            if let type = record.messageType { lines.append("  type         \(type)") }
            if let sender = record.senderHerId { lines.append("  sender       \(sender)") }
            lines.append("  receiver     \(record.receiverHerId)")
            lines.append("  received     \(time(record.receivedAt)) as \(record.fileName)")
            lines.append("  downloaded   \(record.downloadedAt.map(time) ?? "not yet marked downloaded at NHN")")
            if let appRec = record.appRecSentAt { lines.append("  AppRec sent  \(time(appRec))") }
            appendNotifications(message.notifications, to: &lines)
            lines.append("  files:")
            for file in message.files { lines.append("    \(file)") }
        }
        if report.isEmpty { lines.append("\(report.key): no drop or received message has this name, MsgId or message id") }
        // Names, reasons and ids come from files and servers: each line is shown escaped.
        return ConsoleText.lines(lines)
    }

    /// The state, then only what changed since the previous event (each event is a full row).
    static func change(from previous: DropHistoryEvent?, to event: DropHistoryEvent) -> String {
        var parts = [event.state.rawValue]
        if event.name != previous?.name, previous != nil { parts.append("renamed \(event.name)") }
        if event.attempts != previous?.attempts, event.attempts > 0 { parts.append("attempt \(event.attempts)") }
        if let id = event.messageId, id != previous?.messageId { parts.append("messageId \(id)") }
        if let next = event.nextAttemptAt, next != previous?.nextAttemptAt, event.filedAt == nil {
            parts.append("next attempt \(time(next))")
        }
        if let released = event.releasedAs, released != previous?.releasedAs { parts.append("releasing as \(released)") }
        if event.filedAt != nil, previous?.filedAt == nil { parts.append("filed") }
        if let reason = event.failureReason, reason != previous?.failureReason { parts.append("refused: \(reason)") }
        if event.lastError != previous?.lastError {
            parts.append(event.lastError ?? "problem cleared")
        }
        return parts.joined(separator: "; ")
    }

    static func appendNotifications(_ notifications: [QueuedNotification], to lines: inout [String]) {
        guard !notifications.isEmpty else { return }
        lines.append("  notifications:")
        for item in notifications {
            var text = "    offset \(item.offset)  \(item.type)  \(item.state.rawValue)"
            if item.attempts > 0 { text += ", \(item.attempts) failed attempt(s)" }
            if let error = item.lastError { text += ": \(error)" }
            lines.append(text)
        }
    }

    static func time(_ seconds: Double) -> String {
        Timestamp.iso8601(seconds)
    }

    package static func json(_ report: ShowReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
