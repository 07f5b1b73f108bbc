import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Operations
import ServiceLifecycle

/// Prints each drop as it is filed, and ends the demo after `seconds`.
package actor DemoReporter: Service {
    let ledger: Ledger
    let root: String
    let expected: Set<String>
    let seconds: Double?
    private var printed = Set<Int64>()
    /// Only what is filed during this run counts (the folder may hold earlier runs' drops).
    private let startedAt = Date().timeIntervalSince1970
    private lazy var lastFiledAt: Double = startedAt
    private var sent = 0
    private var failed = 0
    private var seenExpected = Set<String>()
    /// Files already in inbox/ and receipts/ (so only new ones are shown).
    private var shownFiles: Set<String>?
    /// The last line shown per status file: a status file is rewritten in place, shown again
    /// only when what it says changes.
    private var shownStatus: [String: String] = [:]

    package init(ledger: Ledger, root: String, expected: Set<String>, seconds: Double?) {
        self.ledger = ledger
        self.root = root
        self.expected = expected
        self.seconds = seconds
    }

    package func run() async throws {
        let deadline = seconds.map { ContinuousClock.now + .seconds($0) }
        while !Task.isShuttingDownGracefully {
            report()
            if let deadline, ContinuousClock.now >= deadline { return }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }

    private func report() {
        // Filing times of concurrent drops may commit out of order: look back a little and
        // skip what was already printed.
        guard let drops = try? ledger.filed(since: max(startedAt, lastFiledAt - 10)) else { return }
        for drop in drops where !printed.contains(drop.id ?? 0) {
            printed.insert(drop.id ?? 0)
            lastFiledAt = max(lastFiledAt, drop.filedAt ?? 0)
            if expected.contains(drop.originalName) { seenExpected.insert(drop.originalName) }
            if drop.state == .accepted { sent += 1 } else { failed += 1 }
            // Names are shown escaped (a drop may be called "a\nb"); the files keep their names.
            print(ConsoleText.filed(drop))
        }
        showNewFiles()
        fflush(nil)
    }

    /// What came back: received documents, statuses, AppRecs and refusals, as they appear.
    private func showNewFiles() {
        var current = Set<String>()
        for folder in ["inbox", "receipts", "receipts/unmatched"] {
            for name in (try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? []
            where !name.hasPrefix(".") && !name.hasSuffix(".sent.json") && name != "unmatched" {
                current.insert(folder + "/" + name)
            }
        }
        guard let shown = shownFiles else {
            // What an earlier run left is not news, its status files included.
            shownFiles = current
            for file in current where file.hasSuffix(".status.json") { shownStatus[file] = statusLine(file) }
            return
        }
        for file in current.sorted() where file.hasSuffix(".status.json") {
            let line = statusLine(file)
            if !line.isEmpty, shownStatus[file] != line {
                shownStatus[file] = line
                print(ConsoleText.line("  + \(file)  status: \(line)"))
            }
        }
        for file in current.subtracting(shown).sorted() where !file.hasSuffix(".status.json") {
            let what =
                switch file {
                case let f where f.hasSuffix(".refused.json"): "NHN refused delivery"
                case let f where f.contains(".apprec."): "application receipt from the receiver"
                case let f where f.hasPrefix("inbox/") && f.hasSuffix(".json"): "received message (metadata)"
                case let f where f.hasPrefix("inbox/"): "received message"
                default: ""
                }
            print(ConsoleText.line("  + \(file)  \(what)"))
        }
        shownFiles = current
    }

    private func statusLine(_ file: String) -> String {
        guard let data = FileManager.default.contents(atPath: root + "/" + file) else { return "" }
        if let altinn = try? JSONDecoder().decode(AltinnStatusReceipt.self, from: data), altinn.channel == "altinn" {
            return altinn.recipients.map { "\($0.recipient): \($0.status)\($0.statusText.map { " (\($0))" } ?? "")" }
                .joined(separator: "; ")
        }
        guard let status = try? JSONDecoder().decode(StatusReceipt.self, from: data) else { return "" }
        return status.receivers.map {
            "HER \($0.receiverHerId.map(String.init) ?? "?"): \($0.transportDeliveryState ?? "-"), AppRec \($0.apprecStatus ?? "-")"
        }.joined(separator: "; ")
    }

    package func summary() -> (sent: Int, failed: Int, pending: Int, missing: Int) {
        report()
        let pending = (try? ledger.unfinished().count) ?? 0
        return (sent, failed, pending, expected.subtracting(seenExpected).count)
    }
}
