import ArgumentParser
import Bridge
import DropbridgeCore
import Foundation
import Ledger

/// `dropbridge status --config FILE [--json]`: what waits where, and for how long.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Folder counts and oldest ages, and the ledger's summary.")

    @Option(help: "Configuration file.")
    var config: String

    @Flag(help: "Print one JSON object.")
    var json = false

    struct FolderStatus: Codable {
        var files: Int
        var oldestAgeSeconds: Double?
    }

    struct Report: Codable {
        var folders: [String: FolderStatus]
        var ledger: Ledger.Summary
        var oldestUnfinishedAgeSeconds: Double?
        var receiving: Ledger.ReceiveState?
        /// Received notifications that wait for an operator (`retry --message KEY`).
        var quarantined: [Quarantined]
        /// Messages NHN will not deliver to a receiver (`Abandoned`, `Rejected`), by state.
        var finalDeliveries: [String: Int]
        /// Automatic AppRecs sent again after an attempt whose answer was lost.
        var appRecPossibleDuplicates: Int
    }

    struct Quarantined: Codable {
        var key: String
        var offset: Int64
        var type: String
        var reason: String?
        var since: Double
    }

    func run() async throws {
        let settings = try await loadConfig(config)
        let ledger: Ledger
        guard FileManager.default.fileExists(atPath: settings.state.ledger) else {
            printError("no ledger in \(settings.stateDirectory): dropbridge has not run with root \(settings.root) yet")
            throw ExitCode(ExitStatus.unavailable)
        }
        do {
            ledger = try Ledger(path: settings.state.ledger)
        } catch {
            printError("cannot open the ledger in \(settings.stateDirectory): \(error)")
            throw ExitCode(ExitStatus.unavailable)
        }
        let now = Date().timeIntervalSince1970
        var folders: [String: FolderStatus] = [:]
        for (key, path) in settings.folders.all + [("work", settings.state.work)] {
            folders[key] = Self.folderStatus(path, now: now)
        }
        let summary = try ledger.summary()
        let report = Report(
            folders: folders, ledger: summary,
            oldestUnfinishedAgeSeconds: summary.oldestUnfinishedClaimedAt.map { now - $0 },
            receiving: try ledger.receiveState(),
            quarantined: try ledger.quarantinedNotifications().map {
                Quarantined(key: $0.operatorKey, offset: $0.offset, type: $0.type, reason: $0.lastError, since: $0.updatedAt)
            },
            finalDeliveries: try ledger.finalDeliveryCounts(),
            appRecPossibleDuplicates: try ledger.inboundAppRecPossibleDuplicates())
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            print(String(decoding: try encoder.encode(report), as: UTF8.self))
            return
        }
        print("folders:")
        for (key, status) in folders.sorted(by: { $0.key < $1.key }) {
            let age = status.oldestAgeSeconds.map { ", oldest \(Self.age($0))" } ?? ""
            print("  \(key.padding(toLength: 9, withPad: " ", startingAt: 0)) \(status.files) file(s)\(age)")
        }
        print("ledger:")
        for (state, count) in summary.byState.sorted(by: { $0.key < $1.key }) {
            print("  \(state.padding(toLength: 9, withPad: " ", startingAt: 0)) \(count)")
        }
        print("  unfinished \(summary.unfinished)\(report.oldestUnfinishedAgeSeconds.map { ", oldest \(Self.age($0))" } ?? "")")
        if summary.possibleDuplicates > 0 {
            print("  possible duplicates sent: \(summary.possibleDuplicates) (a send was interrupted before its answer)")
        }
        for held in summary.held {
            print("  HELD \(held.name): \(held.reason ?? "no reason recorded") — needs an operator: fix the cause, then restart dropbridge (held drops are tried again at start)")
        }
        if let receiving = report.receiving {
            let age = receiving.updatedAt > 0 ? " (since \(Self.age(now - receiving.updatedAt)) ago)" : ""
            print("receiving: \(receiving.state)\(age)\(receiving.detail.map { ": \($0)" } ?? "")")
            let batched = Set(receiving.batches.map(\.herIds))
            for (herIds, offset) in receiving.offsets.sorted(by: { $0.key < $1.key }) where !batched.contains(herIds) {
                print("  offset \(offset) for HER-ids \(herIds)")
            }
            for batch in receiving.batches { print("  " + Self.describe(batch, now: now)) }
        } else {
            print("receiving: not started (nhn.receive off or no nhn.herIds)")
        }
        for (state, count) in report.finalDeliveries.sorted(by: { $0.key < $1.key }) {
            print("  final delivery failures (\(state)): \(count) (NHN will not deliver to that receiver; see NAME.status.json)")
        }
        if report.appRecPossibleDuplicates > 0 {
            print("  automatic AppRecs possibly sent twice: \(report.appRecPossibleDuplicates)")
        }
        for item in report.quarantined {
            print("  QUARANTINED \(item.key) (\(item.type), offset \(item.offset)): \(item.reason ?? "no reason recorded") — see receipts/unmatched/\(InboundProblem.fileName(key: item.key)), then `dropbridge retry --message \(item.key)`")
        }
        if !summary.retrying.isEmpty {
            print("  retrying \(summary.retrying.count)\(summary.retrying.count == 100 ? "+" : "") drop(s) after transient trouble; the latest problem:")
            print("    \(summary.retrying.last?.reason ?? "")")
        }
    }

    /// One batch of HER-ids (one notification stream): its state, offset, last event and the
    /// oversized events it dropped.
    static func describe(_ batch: Ledger.ReceiveBatch, now: Double) -> String {
        let herIds = batch.herIds.split(separator: ",")
        let named = herIds.count <= 3 ? herIds.joined(separator: ",") : "\(herIds.count) HER-ids from \(herIds.first ?? "")"
        var line = "batch \(named): \(batch.state)\(batch.detail.map { " (\($0))" } ?? "")"
        line += ", offset \(batch.offset.map(String.init) ?? "none yet")"
        line += batch.lastEventAt.map { ", last event \(age(max(0, now - $0))) ago" } ?? ", no event yet"
        if batch.oversizedEvents > 0 {
            line += ", \(batch.oversizedEvents) oversized event(s) dropped (the stream was reopened each time)"
        }
        return line
    }

    static func folderStatus(_ path: String, now: Double) -> FolderStatus {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var oldest: Double?
        var count = 0
        for name in names where !name.hasPrefix(".") {
            count += 1
            if let date = (try? FileManager.default.attributesOfItem(atPath: path + "/" + name))?[.modificationDate] as? Date {
                let age = now - date.timeIntervalSince1970
                oldest = max(oldest ?? age, age)
            }
        }
        return FolderStatus(files: count, oldestAgeSeconds: oldest.map { ($0 * 10).rounded() / 10 })
    }

    static func age(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: "\(Int(seconds)) s"
        case ..<7200: "\(Int(seconds / 60)) min"
        default: "\(Int(seconds / 3600)) h"
        }
    }
}
