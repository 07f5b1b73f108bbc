@testable import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import XCTest

/// Issue #11 (6c): finished ledger rows older than `ledger.keepDays` are pruned in the
/// background, and the name rule (a NAME still in sent/, failed/ or receipts/ is never
/// reused) does not depend on them.
final class LedgerPrunerTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("pruner-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func filedDrop(_ ledger: Ledger, _ name: String, filedAt: Double) async throws {
        let record = try await ledger.reserve(originalName: name, files: ["document.xml"], channel: "nhn", now: filedAt) { _ in name }
        _ = try await ledger.update(id: record.id ?? 0, now: filedAt) { row in
            row.state = .accepted
            row.filedAt = filedAt
        }
    }

    func testKeepDaysIsAConfigurationKeyDefaulting400() async throws {
        XCTAssertEqual(BridgeConfig(root: "/srv").ledger.keepDays, 400)
        let path = folder + "/dropbridge.yaml"
        try "root: /srv/bridge\nledger: { keepDays: 30 }\n".write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try await ConfigLoader.load(file: path, environment: [:])
        XCTAssertEqual(loaded.ledger.keepDays, 30)
        try "root: /srv/bridge\nledger: { keepDays: 0 }\n".write(toFile: path, atomically: true, encoding: .utf8)
        do {
            _ = try await ConfigLoader.load(file: path, environment: [:])
            XCTFail("keepDays 0 was accepted")
        } catch {
            XCTAssertEqual(error.key, "ledger.keepDays")
        }
    }

    func testAPruneRoundTakesEveryOldFinishedDropInBatchesAndKeepsRecentOnes() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let day = 86_400.0
        let now = 1_000 * day
        for index in 0..<5 { try await filedDrop(ledger, "old-\(index)", filedAt: now - 401 * day) }
        try await filedDrop(ledger, "young", filedAt: now - 399 * day)
        var pruner = LedgerPruner(ledger: ledger, keepDays: 400, io: BlockingIO.started(threads: 1), logger: Logger(label: "test"))
        pruner.batch = 2
        let pruned = await pruner.pruneOnce(now: now)
        XCTAssertEqual(pruned, 5, "three batches of at most two, in one round")
        for index in 0..<5 { XCTAssertNil(try ledger.drop(named: "old-\(index)")) }
        XCTAssertNotNil(try ledger.drop(named: "young"))
    }

    func testAPrunedNameStillInReceiptsIsNotGivenAgain() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let folders = BridgeConfig.Folders(root: folder)
        for path in [folders.sent, folders.failed, folders.receipts] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try await filedDrop(ledger, "letter", filedAt: 100)
        try await filedDrop(ledger, "memo", filedAt: 100)
        XCTAssertEqual(try ledger.pruneFinishedDrops(filedBefore: 1_000, limit: 100), 2)
        // letter's receipt is still there; memo's files are all gone.
        _ = FileManager.default.createFile(atPath: folders.receipts + "/letter.sent.json", contents: Data("{}".utf8))
        let checks = NameCheck.contract(folders)
        for (original, expected) in [("letter", "letter~2"), ("memo", "memo")] {
            let next = try await ledger.reserve(originalName: original, files: ["document.xml"], channel: "nhn", now: 2_000) { used in
                try FreeName.pick(for: original, checking: checks, isTaken: used)
            }
            XCTAssertEqual(next.name, expected)
        }
    }
}
