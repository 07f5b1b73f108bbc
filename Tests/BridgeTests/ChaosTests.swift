import Foundation
import Simulator
import XCTest

/// Issue #8: SIGKILL twice while the simulator misbehaves (503s, 429s with Retry-After, latency,
/// connections reset before and after accepting, notification streams cut) and drops go out as
/// messages come in. Afterwards nothing is lost, nothing is in `failed/`, every message is once
/// in `inbox/`, and every drop NHN saw twice is counted in the ledger.
final class ChaosTests: XCTestCase {
    func testTwoSigkillsUnderFaultsLoseNothingAndCountEveryDuplicate() async throws {
        let fixture = try await DaemonFixture(
            "chaos",
            settings: SimulatorSettings(
                ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId],
                faults: FaultSettings(
                    statusRates: [503: 0.08, 429: 0.04], retryAfterSeconds: 1, latencyMilliseconds: 8,
                    resetRate: 0.02, resetAfterAcceptRate: 0.03),
                stream: StreamSettings(heartbeatSeconds: 1, cutAfterEvents: 15)))
        addTeardownBlock { await fixture.shutdown() }
        try await fixture.writeConfig(
            nhn: "herIds: [8143060], senderHerId: 8143060, receive: stream, maxBackoffSeconds: 1, uncertainSeconds: 5")
        var injected = try await fixture.injectMessages(60, prefix: "chaos-in")
        let drops = try fixture.dropMsgHeads(100, prefix: "chaos")

        func progress() async -> Int { fixture.sentReceipts + (await fixture.simulator.downloadedMarks().count) }
        var progressAtKills: [Int] = []
        for run in 0..<2 {
            if run == 1 {
                // Messages keep coming while the daemon is down and restarting.
                injected.merge(try await fixture.injectMessages(40, prefix: "chaos-in-late")) { first, _ in first }
            }
            try fixture.start()
            let killAt = await progress() + Int.random(in: 20...80)
            try await fixture.waitUntil("progress reaches \(killAt)", timeout: .seconds(60)) { await progress() >= killAt }
            fixture.kill()
            progressAtKills.append(await progress())
        }
        try fixture.start()
        try await fixture.waitUntil("every drop is answered and every message downloaded", timeout: .seconds(90)) {
            let allDownloaded = await fixture.allMarkedDownloaded(injected.keys)
            return fixture.sentReceipts >= drops.count && allDownloaded
        }
        let exitStatus = try await fixture.terminate()
        XCTAssertEqual(exitStatus, 0, "graceful stop exits 0")

        let seen = try await fixture.checkEveryDropSentOnce(drops)
        let duplicates = seen.values.reduce(0) { $0 + max(0, $1 - 1) }
        XCTAssertGreaterThanOrEqual(try fixture.countedDuplicates(), duplicates, "every drop NHN saw twice is counted")
        XCTAssertEqual(fixture.inboxProblems(injected), [], "each message once and complete in inbox/")
        print("Chaos: SIGKILLs at progress \(progressAtKills); \(duplicates) duplicate(s) at NHN")
    }
}
