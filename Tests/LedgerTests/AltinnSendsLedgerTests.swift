import DropbridgeCore
import Foundation
import Ledger
import XCTest

/// `v8-altinn-sends`: the installation's key namespace and the per-recipient rows.
final class AltinnSendsLedgerTests: XCTestCase {
    var folder = ""

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() { try? FileManager.default.removeItem(atPath: folder) }

    func testTheKeyNamespaceIsMadeOnceAndKeptAcrossRestarts() throws {
        let first = try Ledger(path: folder + "/ledger.sqlite").altinnKeyNamespace()
        XCTAssertEqual(try Ledger(path: folder + "/ledger.sqlite").altinnKeyNamespace(), first)
        let other = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).sqlite").path
        defer { try? FileManager.default.removeItem(atPath: other) }
        XCTAssertNotEqual(try Ledger(path: other).altinnKeyNamespace(), first, "each installation has its own")
    }

    func testAnAttemptIsRecordedBeforeAndItsAnswerAfterAndAnAnsweredRowIsNotReopened() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let intent = AltinnSendRecord(idempotentKey: "key-1", dropId: 7, recipientIndex: 0, recipient: "person:abcd1234", now: 1)
        let recorded = try await ledger.recordAltinnAttempt(intent, now: 1)
        XCTAssertEqual(recorded.state, .sending)
        let second = try await ledger.recordAltinnAttempt(intent, now: 2)
        XCTAssertEqual(second.attempts, 2)
        try await ledger.updateAltinnSend(dropId: 7, recipientIndex: 0, now: 3) { row in
            row.state = .refused
            row.httpStatus = 422
            row.problem = .object(["errorCode": .number(1030), "detail": .string("reserved")])
        }
        let again = try await ledger.recordAltinnAttempt(intent, now: 4)
        XCTAssertEqual(again.state, .refused, "an answered recipient stays answered")
        let stored = try XCTUnwrap(try Ledger(path: folder + "/ledger.sqlite").altinnSends(dropId: 7).first)
        XCTAssertEqual(stored.problem?["errorCode"]?.intValue, 1030)
        XCTAssertEqual(stored.attempts, 2)
        XCTAssertTrue(try ledger.openAltinnPolls().isEmpty, "a refused recipient is not polled")
    }
}

/// The Altinn status poller sleeps until a correspondence is accepted: the ledger says when.
final class AltinnPollsOpenedTests: XCTestCase {
    func testOnlyAnAcceptanceMovesTheSignalAndOnlyOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let start = ledger.altinnPollsOpened.generation
        _ = try await ledger.recordAltinnAttempt(
            AltinnSendRecord(idempotentKey: "key-1", dropId: 7, recipientIndex: 0, recipient: "org:910753614", now: 1), now: 1)
        XCTAssertEqual(ledger.altinnPollsOpened.generation, start, "an upload about to start is nothing to follow")
        try await ledger.updateAltinnSend(dropId: 7, recipientIndex: 0, now: 2) { row in
            row.state = .accepted
            row.correspondenceId = "c-1"
            row.nextPollAt = 3
        }
        let accepted = ledger.altinnPollsOpened.generation
        XCTAssertGreaterThan(accepted, start, "an acceptance wakes the poller")
        try await ledger.updateAltinnSend(dropId: 7, recipientIndex: 0, now: 4) { row in row.nextPollAt = 10 }
        XCTAssertEqual(ledger.altinnPollsOpened.generation, accepted, "the poller's own updates do not wake it again")
        try await ledger.updateAltinnSend(dropId: 7, recipientIndex: 0, now: 5) { row in row.pollDone = true }
        XCTAssertEqual(ledger.altinnPollsOpened.generation, accepted)
        XCTAssertTrue(try ledger.openAltinnPolls().isEmpty)
    }
}
