import DropbridgeCore
import Foundation
import Ledger
import XCTest

final class LedgerTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func reserve(_ ledger: Ledger, _ name: String, taken: Set<String> = []) async throws -> DropRecord {
        try await ledger.reserve(originalName: name, files: ["document.xml", "sidecar.json"], channel: "nhn", now: 1) { usedInLedger in
            var n = 1
            while true {
                let candidate = n == 1 ? name : DropName.suffixed(name, n)
                if try !usedInLedger(candidate) && !taken.contains(candidate) { return candidate }
                n += 1
            }
        }
    }

    func testANameIsNeverGivenTwice() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let first = try await reserve(ledger, "report")
        let second = try await reserve(ledger, "report")
        let third = try await reserve(ledger, "report", taken: ["report~3"])
        XCTAssertEqual(first.name, "report")
        XCTAssertEqual(second.name, "report~2")
        XCTAssertEqual(third.name, "report~4")
        XCTAssertNotEqual(first.claimId, second.claimId)
        // Given back by `retry`, the name is free again; the old row stays as history.
        try ledger.releaseName("report")
        let again = try await reserve(ledger, "report")
        XCTAssertEqual(again.name, "report")
        XCTAssertEqual(try ledger.drop(id: first.id!)?.originalName, "report")
    }

    func testConcurrentUpdatesAreAllCommittedAndSurviveReopening() async throws {
        let path = folder + "/ledger.sqlite"
        var ids: [Int64] = []
        do {
            let ledger = try Ledger(path: path)
            for index in 0..<50 { ids.append(try await reserve(ledger, "drop-\(index)").id!) }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, id) in ids.enumerated() {
                    group.addTask {
                        try await ledger.update(id: id, now: 2) { row in
                            row.state = .sending
                            row.attempts += 1
                            row.msgId = "msg-\(index)"
                        }
                        try await ledger.update(id: id, now: 3) { row in
                            row.state = .accepted
                            row.messageId = "nhn-\(index)"
                        }
                    }
                }
                try await group.waitForAll()
            }
        }
        let reopened = try Ledger(path: path)
        for (index, id) in ids.enumerated() {
            let row = try XCTUnwrap(reopened.drop(id: id))
            XCTAssertEqual(row.state, .accepted)
            XCTAssertEqual(row.attempts, 1)
            XCTAssertEqual(row.msgId, "msg-\(index)")
            XCTAssertEqual(row.messageId, "nhn-\(index)")
            XCTAssertEqual(row.updatedAt, 3)
        }
        XCTAssertEqual(try reopened.summary().byState["accepted"], 50)
    }

    func testOneFailingWriteDoesNotUndoTheOthersInItsBatch() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let drop = try await reserve(ledger, "kept")
        async let good: DropRecord = ledger.update(id: drop.id!, now: 5) { $0.state = .validated }
        async let bad: DropRecord = ledger.update(id: 999_999, now: 5) { $0.state = .failed }
        let updated = try await good
        XCTAssertEqual(updated.state, .validated)
        do {
            _ = try await bad
            XCTFail("updating a missing drop succeeded")
        } catch LedgerError.missingDrop(let id) {
            XCTAssertEqual(id, 999_999)
        }
        XCTAssertEqual(try ledger.drop(id: drop.id!)?.state, .validated)
    }

    func testUnfinishedFiledAndSummary() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let sent = try await reserve(ledger, "sent")
        let held = try await reserve(ledger, "held")
        let open = try await reserve(ledger, "open")
        try await ledger.update(id: sent.id!, now: 10) { row in
            row.state = .accepted
            row.filedAt = 10
        }
        try await ledger.update(id: held.id!, now: 11) { row in
            row.state = .held
            row.lastError = "HER-id locked"
            row.possibleDuplicates = 1
        }
        XCTAssertEqual(try ledger.unfinished().map(\.name), ["held", "open"])
        XCTAssertEqual(try ledger.filed(since: 5).map(\.name), ["sent"])
        XCTAssertEqual(try ledger.filed(since: 11).map(\.name), [])
        let summary = try ledger.summary()
        XCTAssertEqual(summary.unfinished, 2)
        XCTAssertEqual(summary.possibleDuplicates, 1)
        XCTAssertEqual(summary.held, [Ledger.NotedDrop(name: "held", reason: "HER-id locked")])
        XCTAssertEqual(summary.byState["claimed"], 1)
        XCTAssertEqual(summary.retrying, [])
        try await ledger.update(id: open.id!, now: 12) { row in
            row.state = .validated
            row.lastError = "HTTP 503"
        }
        XCTAssertEqual(try ledger.summary().retrying, [Ledger.NotedDrop(name: "open", reason: "HTTP 503")])
        try ledger.forget(id: open.id!)
        XCTAssertNil(try ledger.drop(named: "open"))
    }
}
