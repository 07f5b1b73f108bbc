import Foundation
@testable import Ledger
import XCTest

/// Group commit's bookkeeping as a value, every transition; then that a cancelled caller still
/// learns its write's outcome (it may have committed).
final class GroupCommitStateMachineTests: XCTestCase {
    func testTheFirstWriteStartsTheWriterAndLaterOnesWaitForTheNextBatch() {
        var machine = GroupCommitStateMachine<String>()
        guard case .startWriter = machine.enqueue("a") else { return XCTFail() }
        guard case .queued = machine.enqueue("b") else { return XCTFail("one writer at a time") }
        guard case .commit(let first) = machine.nextBatch() else { return XCTFail() }
        XCTAssertEqual(first, ["a", "b"], "what arrived before the writer ran is one batch")
        guard case .queued = machine.enqueue("c") else { return XCTFail("the writer is still running") }
        guard case .queued = machine.enqueue("d") else { return XCTFail() }
        guard case .commit(let second) = machine.nextBatch() else { return XCTFail() }
        XCTAssertEqual(second, ["c", "d"], "arrivals during a commit go together into the next")
        guard case .stop = machine.nextBatch() else { return XCTFail("nothing left") }
        XCTAssertEqual(machine.queuedCount, 0)
        guard case .startWriter = machine.enqueue("e") else { return XCTFail("a write after the stop starts a writer again") }
    }

    func testAnIdleWriterAskingStops() {
        var machine = GroupCommitStateMachine<String>()
        guard case .stop = machine.nextBatch() else { return XCTFail() }
    }

    func testACancelledCallerStillLearnsThatItsWriteCommitted() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("group-commit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let write = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            try await ledger.setReceiveState("cancelled-but-written", detail: nil, now: 1)
        }
        try await write.value
        XCTAssertEqual(try ledger.receiveState()?.state, "cancelled-but-written")
    }
}
