import DropbridgeCore
import Foundation
import Ledger
import Operations
import XCTest

/// A drop name with a line break or an escape sequence is shown escaped on a terminal (the demo,
/// `status`, `show`), and stays as it is on disk and in the ledger.
final class ConsoleTextTests: XCTestCase {
    func testHostileNamesAreShownEscapedEverywhereTheyArePrinted() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("console-\(UUID().uuidString)").path
        for folder in ["outbox", "inbox", "receipts", "sent", "failed", ".dropbridge/work"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let config = BridgeConfig(root: root)
        let ledger = try Ledger(path: root + "/.dropbridge/ledger.sqlite")
        let hostile = "forged\n  evil  →  sent/\u{1B}[2J\r"
        let sent = try await ledger.reserve(originalName: hostile, files: ["d.xml"], channel: "nhn", now: 1) { _ in hostile }
        let accepted = try await ledger.update(id: sent.id!, now: 2) { row in
            row.state = .accepted
            row.messageId = "m-1"
            row.filedAt = 2
        }
        XCTAssertEqual(accepted.name, hostile, "the ledger keeps the name as dropped")
        let line = ConsoleText.filed(accepted)
        XCTAssertEqual(line, "  forged\\n  evil  →  sent/\\x1B[2J\\r  →  sent/  and receipts/forged\\n  evil  →  sent/\\x1B[2J\\r.sent.json  (messageId m-1)")
        XCTAssertFalse(line.contains("\n") || line.contains("\u{1B}") || line.contains("\r"))

        let held = try await ledger.reserve(originalName: "held\u{2028}x", files: ["d.xml"], channel: "nhn", now: 1) { _ in "held\u{2028}x" }
        try await ledger.update(id: held.id!, now: 3) { row in
            row.state = .held
            row.lastError = "NHN said:\nHELD other: fake"
        }
        let status = StatusText.render(try StatusReporter.report(config: config, ledger: ledger, now: 10))
        XCTAssertTrue(status.contains("HELD held\\u{2028}x: NHN said:\\nHELD other: fake"), status)
        XCTAssertFalse(status.split(separator: "\n").contains { $0.hasPrefix("HELD other") }, status)
        let show = ShowText.render(try ShowReporter.report(key: hostile, config: config, ledger: ledger))
        XCTAssertTrue(show.hasPrefix("drop forged\\n  evil  →  sent/\\x1B[2J\\r"), show)
        XCTAssertFalse(show.contains("\u{1B}"), show)
    }
}
