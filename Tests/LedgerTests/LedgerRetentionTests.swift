import DropbridgeCore
import Foundation
@testable import Ledger
import XCTest

/// `ledger.keepDays`: finished drops filed before the cutoff go; nothing else does.
final class LedgerRetentionTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("retention-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func drop(_ ledger: Ledger, _ name: String, state: DropState, filedAt: Double?) async throws -> Int64 {
        let record = try await ledger.reserve(originalName: name, files: ["document.xml"], channel: "nhn", now: 1) { _ in name }
        _ = try await ledger.update(id: record.id ?? 0, now: 2) { row in
            row.state = state
            row.filedAt = filedAt
        }
        return record.id ?? 0
    }

    func testOnlyFinishedDropsFiledBeforeTheCutoffArePrunedInBatches() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        _ = try await drop(ledger, "old-sent", state: .accepted, filedAt: 100)
        _ = try await drop(ledger, "old-failed", state: .failed, filedAt: 200)
        _ = try await drop(ledger, "old-third", state: .accepted, filedAt: 300)
        let recent = try await drop(ledger, "recent", state: .accepted, filedAt: 5_000)
        // Unfinished, however old: a held drop and one answered but not yet filed.
        let held = try await drop(ledger, "held", state: .held, filedAt: nil)
        let unfiled = try await drop(ledger, "accepted-unfiled", state: .accepted, filedAt: nil)

        let oldSent = try XCTUnwrap(try ledger.drop(named: "old-sent")?.id)
        try await ledger.linkAppRec("apprec-of-old-sent", toDrop: oldSent, receiverHerId: 8094866, now: 150)
        try await ledger.linkAppRec("apprec-of-recent", toDrop: recent, receiverHerId: 8094866, now: 5_050)

        XCTAssertEqual(try ledger.pruneFinishedDrops(filedBefore: 1_000, limit: 2), 2, "a batch stops at its limit")
        let links = try await ledger.database.read { db in try String.fetchAll(db, sql: "SELECT appRecId FROM appRecLinks") }
        XCTAssertEqual(links, ["apprec-of-recent"], "a pruned drop's correlation rows go with it")
        XCTAssertEqual(try ledger.pruneFinishedDrops(filedBefore: 1_000, limit: 2), 1)
        XCTAssertEqual(try ledger.pruneFinishedDrops(filedBefore: 1_000, limit: 2), 0)
        for name in ["old-sent", "old-failed", "old-third"] { XCTAssertNil(try ledger.drop(named: name), name) }
        for id in [recent, held, unfiled] { XCTAssertNotNil(try ledger.drop(id: id)) }
    }
}
