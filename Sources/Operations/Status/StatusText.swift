import Foundation
import Ledger

/// `dropbridge status` for a terminal: the same facts as the JSON, one line each, with what to
/// do about each thing that needs an operator.
package enum StatusText {
    package static func render(_ report: StatusReport) -> String {
        var lines: [String] = []
        let now = report.generatedAt
        switch report.daemon.lock {
        case .running: lines.append("daemon: running (holds \(report.root)/.dropbridge/lock)")
        case .stopped: lines.append("daemon: not running\(report.daemon.detail.map { " (\($0))" } ?? "")")
        case .unknown: lines.append("daemon: unknown (\(report.daemon.detail ?? "lock not probed"))")
        }
        if let age = report.daemon.lastProgressAgeSeconds {
            lines.append("  last progress \(Self.age(age)) ago")
        } else {
            lines.append("  no progress recorded yet")
        }
        if let pause = report.pause {
            lines.append("  SENDING PAUSED: \(pause.reason); `dropbridge resume` to send again")
        } else if report.sendingPaused {
            lines.append("  SENDING PAUSED (receiving goes on): `dropbridge resume` to send again")
        }
        lines.append("folders:")
        for (key, status) in report.folders.sorted(by: { $0.key < $1.key }) {
            if let error = status.error {
                lines.append("  \(pad(key)) \(error)")
                continue
            }
            let age = status.oldestAgeSeconds.map { ", oldest \(Self.age($0))" } ?? ""
            lines.append("  \(pad(key)) \(status.files) file(s)\(age)")
        }
        let summary = report.ledger
        lines.append("ledger:")
        for (state, count) in summary.byState.sorted(by: { $0.key < $1.key }) {
            lines.append("  \(pad(state)) \(count)")
        }
        lines.append("  unfinished \(summary.unfinished)\(report.oldestUnfinishedAgeSeconds.map { ", oldest \(Self.age($0))" } ?? "")")
        if summary.possibleDuplicates > 0 {
            lines.append("  possible duplicates sent: \(summary.possibleDuplicates) (a send was interrupted before its answer)")
        }
        if let receiving = report.receiving {
            let age = receiving.updatedAt > 0 ? " (since \(Self.age(now - receiving.updatedAt)) ago)" : ""
            lines.append("receiving: \(receiving.state)\(age)\(receiving.detail.map { ": \($0)" } ?? "")")
            let batched = Set(receiving.batches.map(\.herIds))
            for (herIds, offset) in receiving.offsets.sorted(by: { $0.key < $1.key }) where !batched.contains(herIds) {
                lines.append("  offset \(offset) for HER-ids \(herIds)")
            }
            for batch in receiving.batches { lines.append("  " + Self.describe(batch, now: now)) }
        } else {
            lines.append("receiving: not started (nhn.receive off or no nhn.herIds)")
        }
        for (state, count) in report.finalDeliveries.sorted(by: { $0.key < $1.key }) {
            lines.append("  final delivery failures (\(state)): \(count) (NHN will not deliver to that receiver; see NAME.status.json)")
        }
        if report.appRecPossibleDuplicates > 0 {
            lines.append("  automatic AppRecs possibly sent twice: \(report.appRecPossibleDuplicates)")
        }
        if !summary.retrying.isEmpty {
            lines.append("  retrying \(summary.retrying.count)\(summary.retrying.count == 100 ? "+" : "") drop(s) waiting to be sent (transient trouble, or a refused registration); the latest problem:")
            lines.append("    \(summary.retrying.last?.reason ?? "")")
        }
        if report.needsOperator.isEmpty {
            lines.append("healthy: nothing needs an operator")
        } else {
            lines.append("NEEDS AN OPERATOR (\(report.needsOperator.count)):")
            for item in report.needsOperator {
                lines.append("  \(item.kind.rawValue.uppercased()) \(item.subject): \(item.reason) — \(item.action)")
            }
        }
        // Names and reasons come from files and servers: each line is shown escaped.
        return ConsoleText.lines(lines)
    }

    /// One batch of HER-ids (one notification stream): its state, offset, last event and the
    /// oversized events it dropped.
    static func describe(_ batch: Ledger.ReceiveBatch, now: Double) -> String {
        let herIds = batch.herIds.split(separator: ",")
        let named = herIds.count <= 3 ? herIds.joined(separator: ",") : "\(herIds.count) HER-ids from \(herIds.first ?? "")"
        var line = "batch \(named): \(batch.state)\(batch.detail.map { " (\($0))" } ?? "")"
        line += ", offset \(batch.offset.map(String.init) ?? "none yet")"
        line += batch.lastEventAt.map { ", last event \(eventAge(max(0, now - $0)))" } ?? ", no event yet"
        if batch.oversizedEvents > 0 {
            line += ", \(batch.oversizedEvents) oversized event(s) dropped (the stream was reopened each time)"
        }
        return line
    }

    /// How long ago a batch's last event was. The daemon notes an event in the ledger at most
    /// once a minute (heartbeats would otherwise commit the ledger every few seconds), so the
    /// time noted can be up to a minute older than the last event: said as such.
    static func eventAge(_ seconds: Double) -> String {
        switch seconds {
        case ..<60: "under a minute ago"
        case ..<120: "1–2 min ago"
        default: "about \(age(seconds)) ago"
        }
    }

    static func pad(_ text: String) -> String { text.padding(toLength: 9, withPad: " ", startingAt: 0) }

    package static func age(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: "\(Int(seconds)) s"
        case ..<7200: "\(Int(seconds / 60)) min"
        default: "\(Int(seconds / 3600)) h"
        }
    }

    /// Pretty, sorted keys: stable for diffs and scripts.
    package static func json(_ report: StatusReport) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(report), as: UTF8.self)
    }
}
