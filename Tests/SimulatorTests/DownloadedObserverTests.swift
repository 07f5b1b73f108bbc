import Foundation
import Synchronization
import XCTest

@testable import Simulator

/// The full-disk proof asks what the bridge had on disk at the moment it said "downloaded":
/// the simulator reports each mark to an observer before it answers the PUT.
final class DownloadedObserverTests: XCTestCase {
    func testObserverSeesEachMarkBeforeTheAnswerAndOnlyAcceptedOnes() async throws {
        let harness = try await SimulatorHarness.startInbound()
        addTeardownBlock { try? await harness.shutDown() }
        let seen = Marks()
        // Unconfigured, the HER-id cannot mark anything downloaded (v3).
        let early = try await harness.inject(document: TestDocuments.msgHead(msgId: "observed-0", senderHerId: SimulatorHarness.foreign, receiverHerId: SimulatorHarness.own))
        let unconfigured = try await harness.put("/messages/\(early)/downloaded", json: ["receiverHerId": SimulatorHarness.own])
        XCTAssertEqual(unconfigured.status, 400, String(decoding: unconfigured.body, as: UTF8.self))
        XCTAssertEqual(unconfigured.errorCode, 1001)
        try await harness.configure([SimulatorHarness.own, SimulatorHarness.ownOther])
        await harness.simulator.observeDownloadedMarks { id, receiver in
            seen.append("\(id)@\(receiver)")
        }
        let id = try await harness.inject(document: TestDocuments.msgHead(msgId: "observed-1", senderHerId: SimulatorHarness.foreign, receiverHerId: SimulatorHarness.own))

        let refused = try await harness.put("/messages/\(id)/downloaded", json: ["receiverHerId": SimulatorHarness.ownOther])
        XCTAssertEqual(refused.status, 403)
        XCTAssertEqual(seen.all, [], "a refused mark is not reported")

        let marked = try await harness.put("/messages/\(id)/downloaded", json: ["receiverHerId": SimulatorHarness.own])
        XCTAssertEqual(marked.status, 204)
        // Reported by the time the 204 arrived, not some time later.
        XCTAssertEqual(seen.all, ["\(id)@\(SimulatorHarness.own)"])

        await harness.simulator.reset()
        try await harness.configure([SimulatorHarness.own])
        let again = try await harness.inject(document: TestDocuments.msgHead(msgId: "observed-2", senderHerId: SimulatorHarness.foreign, receiverHerId: SimulatorHarness.own))
        _ = try await harness.put("/messages/\(again)/downloaded", json: ["receiverHerId": SimulatorHarness.own])
        XCTAssertEqual(seen.all.count, 2, "the observer outlives a reset")
    }
}

private final class Marks: Sendable {
    private let marks = Mutex<[String]>([])
    func append(_ mark: String) { marks.withLock { $0.append(mark) } }
    var all: [String] { marks.withLock { $0 } }
}
