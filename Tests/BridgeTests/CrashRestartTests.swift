import Foundation
import Simulator
import XCTest

/// SIGKILL at a random instant while 200 drops are sent, then a restart: every drop ends in
/// `sent/` exactly once, nothing stays in the work area, and the simulator saw every MsgId.
final class CrashRestartTests: XCTestCase {
    func testSigkillDuringA200DropBurstLosesNothing() async throws {
        let fixture = try await DaemonFixture(
            "kill",
            settings: SimulatorSettings(
                ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId],
                faults: FaultSettings(latencyMilliseconds: 3)))
        addTeardownBlock { await fixture.shutdown() }
        try await fixture.writeConfig(nhn: #"senderHerId: 8143060, receive: "off", maxBackoffSeconds: 1"#)
        let drops = try fixture.dropMsgHeads(200, prefix: "kill")

        try fixture.start()
        // Kill somewhere in the middle of the burst.
        let killAfter = Int.random(in: 20...120)
        try await fixture.waitUntil("\(killAfter) drops are answered", timeout: .seconds(60)) { fixture.sentReceipts >= killAfter }
        fixture.kill()
        let answeredBeforeKill = fixture.sentReceipts

        try fixture.start()
        try await fixture.waitUntil("all 200 drops are in sent/", timeout: .seconds(120)) { fixture.sentReceipts >= drops.count }
        let exitStatus = try await fixture.terminate()
        XCTAssertEqual(exitStatus, 0, "graceful stop exits 0")

        let seen = try await fixture.checkEveryDropSentOnce(drops)
        let duplicates = seen.values.reduce(0) { $0 + max(0, $1 - 1) }
        // A drop is sent twice only when the kill fell between "POST started" and "answer
        // recorded"; with 32 attempts in flight at most that many can be repeated, and every
        // repeat is counted in the ledger.
        XCTAssertLessThanOrEqual(duplicates, 32)
        XCTAssertGreaterThanOrEqual(try fixture.countedDuplicates(), duplicates)
        print("SIGKILL after \(answeredBeforeKill) answered drops; \(duplicates) possible duplicate(s) re-sent")
    }

    func testSigkillDuringA300MessageInboundBurstLosesNothing() async throws {
        let fixture = try await DaemonFixture(
            "kill-in",
            settings: SimulatorSettings(
                ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId],
                faults: FaultSettings(latencyMilliseconds: 2)))
        addTeardownBlock { await fixture.shutdown() }
        try await fixture.writeConfig(nhn: "herIds: [8143060], receive: stream")
        let injected = try await fixture.injectMessages(300, prefix: "in")

        try fixture.start()
        let killAfter = Int.random(in: 20...200)
        try await fixture.waitUntil("\(killAfter) messages are in inbox/", timeout: .seconds(60)) {
            fixture.count("inbox", suffix: ".json") >= killAfter
        }
        fixture.kill()

        try fixture.start()
        try await fixture.waitUntil("every message is marked downloaded", timeout: .seconds(120)) {
            await fixture.allMarkedDownloaded(injected.keys)
        }
        let exitStatus = try await fixture.terminate()
        XCTAssertEqual(exitStatus, 0)
        XCTAssertEqual(fixture.inboxProblems(injected), [], "exactly one complete pair per message")
        let marks = await fixture.simulator.downloadedMarks()
        for id in injected.keys {
            XCTAssertEqual(marks[id], [DaemonFixture.ownHerId], "\(id) marked downloaded once")
        }
    }
}
