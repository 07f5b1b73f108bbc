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
        let ledger = try Ledger(path: config.state.ledger)
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

/// The windows around claiming and filing: names chosen at release, refusals reserved before
/// their claim.
final class ClaimWindowTests: XCTestCase {
    func testANameChosenAtReleaseIsKeptWhenTheClaimIsGoneBeforeTheReceipt() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        try FolderLayout.prepare(harness.config)
        let store = FolderDropFileStore(config: harness.config, io: harness.io)
        let folders = harness.config.folders
        for (file, text) in [("win.xml", String(decoding: try OutboxTests.msgHead(msgId: "win-1"), as: UTF8.self)), ("win.json", "{}")] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: folders.outbox + "/" + file))
        }
        let entries = try OutboxScanner(directory: folders.outbox).scan()
        var drop = try await harness.ledger.reserve(
            originalName: "win", files: ["document.xml", "sidecar.json"], channel: "nhn", now: Timestamp.now()) { _ in "win" }
        try store.area.claim(name: DropName("win"), files: entries, from: folders.outbox, claimId: drop.claimId)
        drop = try await harness.ledger.update(id: drop.id ?? 0, now: Timestamp.now()) { row in
            row.state = .accepted
            row.messageId = "nhn-win"
            row.msgId = "win-1"
        }
        // Someone put a sent/win.xml there by hand: the drop is filed as win~2.
        try Data("<hand/>".utf8).write(to: URL(fileURLWithPath: folders.sent + "/win.xml"))

        // The first filing chose the name, recorded it, moved the files, and was killed before
        // the receipt was written.
        let name = try await store.releaseName(for: drop, to: .sent)
        XCTAssertEqual(name, "win~2")
        drop = try await harness.ledger.update(id: drop.id ?? 0, now: Timestamp.now()) { row in row.releasedAs = name }
        try store.area.release(drop.claimId, to: folders.sent, as: name)
        XCTAssertNil(try store.area.claimed(drop.claimId))

        let ending = await harness.pipeline(files: store).run(drop)

        XCTAssertEqual(ending, .sent)
        XCTAssertTrue(FileManager.default.fileExists(atPath: folders.receipts + "/win~2.sent.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: folders.receipts + "/win.sent.json"))
        XCTAssertEqual(try String(contentsOfFile: folders.sent + "/win.xml", encoding: .utf8), "<hand/>")
        XCTAssertEqual(try harness.stored(drop).releasedAs, "win~2")
    }

    func testARefusalReservedBeforeItsClaimIsForgottenAndItsFilesStayInTheOutbox() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("claimwindow-\(UUID().uuidString)").path
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let config = BridgeConfig(root: root)
        try FolderLayout.prepare(config)
        let ledger = try Ledger(path: config.state.ledger)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: config.folders.outbox + "/lonely.json"))
        // Killed after the refusal's row, before its claim.
        _ = try await ledger.reserve(
            originalName: "lonely", files: ["sidecar.json"], channel: "nhn", now: Timestamp.now(),
            refusal: StoredFailure(DropFailure(stage: .pairing, reason: "a sidecar without its document"))) { _ in "lonely" }
        let desk = ClaimDesk(
            config: config, ledger: ledger, area: ClaimArea(config: config), io: BlockingIO.started(threads: 1),
            logger: Logger(label: "test.claims"))

        let resumed = try await desk.recover()

        XCTAssertEqual(resumed.map(\.name), [], "nothing to file: the files were never claimed")
        XCTAssertNil(try ledger.drop(named: "lonely"))
        XCTAssertTrue(FileManager.default.fileExists(atPath: config.folders.outbox + "/lonely.json"))
        XCTAssertFalse(FileManager.default.fileExists(atPath: config.folders.failed + "/lonely.error.json"))
    }
}
