import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import XCTest

/// Crash recovery of a drop killed between "POST started" and "answer recorded".
final class ClaimDeskRecoveryTests: XCTestCase {
    func recoveredAfterAKillWhileSending(_ configure: (inout BridgeConfig) -> Void) async throws -> DropRecord {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("claimdesk-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        var config = BridgeConfig(root: root)
        config.nhn.senderHerId = 8143060
        configure(&config)
        try FolderLayout.prepare(config)
        let ledger = try Ledger(path: config.stateDirectory + "/ledger.sqlite")
        let area = ClaimArea(config: config)
        for (file, text) in [("killed.xml", "<doc/>"), ("killed.json", "{}")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: config.folders.outbox + "/" + file))
        }
        let entries = try OutboxScanner(directory: config.folders.outbox).scan()
        let record = try await ledger.reserve(
            originalName: "killed", files: ["document.xml", "sidecar.json"], channel: "nhn", now: Timestamp.now()) { _ in "killed" }
        try area.claim(name: DropName("killed"), files: entries, from: config.folders.outbox, claimId: record.claimId)
        try await ledger.update(id: record.id ?? 0, now: Timestamp.now()) { row in
            row.state = .sending
            row.msgId = "killed-msg"
            row.senderHerId = 8143060
            row.attempts = 1
        }
        let desk = ClaimDesk(config: config, ledger: ledger, area: area, io: BlockingIO.started(threads: 2), logger: Logger(label: "test.claims"))
        let resumed = try await desk.recover()
        XCTAssertEqual(resumed.map(\.name), ["killed"])
        return try XCTUnwrap(resumed.first)
    }

    func testWithReceivingOnAKilledSendWaitsForProofUntilTheDeadline() async throws {
        let drop = try await recoveredAfterAKillWhileSending { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = .stream
            config.nhn.uncertainSeconds = 45
        }
        XCTAssertEqual(drop.state, .uncertain)
        XCTAssertEqual(drop.nextAttemptAt ?? 0, Timestamp.now() + 45, accuracy: 5)
        XCTAssertEqual(drop.possibleDuplicates, 0, "counted only if it is sent again")
    }

    func testWithReceivingOffAKilledSendIsACountedPossibleDuplicate() async throws {
        let drop = try await recoveredAfterAKillWhileSending { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = .off
        }
        XCTAssertEqual(drop.state, .validated)
        XCTAssertEqual(drop.possibleDuplicates, 1)
    }
}
