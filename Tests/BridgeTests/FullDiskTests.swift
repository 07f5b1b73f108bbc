import Foundation
import Simulator
import XCTest

/// Issue #8: the disk under the daemon fills while drops go out and messages come in, stays full
/// for a while (first bytes and inodes, then inodes only), then is freed. Afterwards every drop was sent exactly once, every message is once
/// in `inbox/`, none was marked downloaded before its files were complete, nothing is in
/// `failed/`, and the daemon kept running throughout.
final class FullDiskTests: XCTestCase {
    func testAFullDiskMidFlightLosesNothingAndDuplicatesNothing() async throws {
        let fixture = try await DaemonFixture(
            "full-disk",
            settings: SimulatorSettings(
                ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId],
                // Latency keeps requests in flight when the disk fills.
                faults: FaultSettings(latencyMilliseconds: 100)))
        addTeardownBlock { await fixture.shutdown() }
        // root/ — every folder and .dropbridge/ — on a filesystem of the test's own.
        let disk = try SmallFilesystem.mount(at: fixture.root, megabytes: 16, inodes: 4096)
        addTeardownBlock {
            // Before the unmount: nothing of the daemon's may hold the filesystem.
            fixture.kill()
            disk.unmount()
        }
        // uncertainSeconds outlasts the full disk: a proof of arrival may have to wait for room.
        try await fixture.writeConfig(
            nhn: "herIds: [8143060], senderHerId: 8143060, receive: stream, maxBackoffSeconds: 1, uncertainSeconds: 30")

        // Every downloaded mark is checked against the inbox at the moment the bridge makes it.
        let inbox = fixture.root + "/inbox"
        let injected = Recorded(try await fixture.injectMessages(80, prefix: "full-in"))
        let markedTooEarly = Recorded<[String]>([])
        await fixture.simulator.observeDownloadedMarks { id, _ in
            guard let document = injected.current[id] else { return }
            let problems = DaemonFixture.inboxProblems(id: id, document: document, inbox: inbox)
            if !problems.isEmpty { markedTooEarly.update { $0.append("\(id): \(problems.joined(separator: ", "))") } }
        }
        // Enough that sending is still going when the first message is through (the inbound
        // side needs a stream and three calls per message first): 120 were all sent by then on
        // a loaded machine.
        let drops = try fixture.dropMsgHeads(200, prefix: "full")

        try fixture.start(logLevel: "info")
        try await fixture.waitUntil("the first drops and messages are through", timeout: .seconds(30)) {
            let marks = await fixture.simulator.downloadedMarks()
            return fixture.sentReceipts >= 3 && marks.count >= 1
        }
        let filled = disk.fill()
        let answeredAtFill = fixture.sentReceipts
        let downloadedAtFill = await fixture.simulator.downloadedMarks().count
        XCTAssertLessThan(answeredAtFill, drops.count, "the disk filled while drops were still to go")
        XCTAssertLessThan(downloadedAtFill, injected.current.count, "the disk filled while messages were still to come")
        XCTAssertLessThan(disk.availableBytes, 4096)
        // More messages arrive while the disk is full.
        let late = try await fixture.injectMessages(20, prefix: "full-in-late")
        injected.update { $0.merge(late) { first, _ in first } }

        // Full for a while: until the daemon has run into it, and for at least three seconds of
        // its retries, taking back whatever it frees meanwhile.
        let fullSince = ContinuousClock.now
        try await fixture.waitUntil("the daemon reports the full disk", timeout: .seconds(30)) {
            disk.fill()
            let logs = fixture.logs()
            let reported = ["No space left on device", "disk is full", "ENOSPC"].contains { logs.contains($0) }
            return reported && ContinuousClock.now - fullSince > .seconds(3)
        }
        XCTAssertTrue(fixture.isRunning, "the daemon keeps running on a full disk")

        // Then room for bytes but no inode: the ledger (existing files) can write again while
        // new files (inbox/, receipts/, temp files) still fail.
        let noSpaceBefore = fixture.logs().components(separatedBy: "No space left on device").count
        try disk.freeBytesOnly()
        let inodesFullSince = ContinuousClock.now
        try await fixture.waitUntil("the daemon fails to create files while the ledger has room", timeout: .seconds(30)) {
            disk.takeInodes()
            let noSpace = fixture.logs().components(separatedBy: "No space left on device").count
            return noSpace > noSpaceBefore && ContinuousClock.now - inodesFullSince > .seconds(2)
        }
        XCTAssertTrue(fixture.isRunning, "the daemon keeps running without inodes")
        try disk.free()

        try await fixture.waitUntil("every drop is answered and every message downloaded", timeout: .seconds(60)) {
            let allDownloaded = await fixture.allMarkedDownloaded(injected.current.keys)
            return fixture.sentReceipts >= drops.count && allDownloaded
        }
        XCTAssertTrue(fixture.isRunning, "the daemon kept running")
        let exitStatus = try await fixture.terminate()
        XCTAssertEqual(exitStatus, 0, "graceful stop exits 0")

        let seen = try await fixture.checkEveryDropSentOnce(drops)
        XCTAssertEqual(seen.filter { $0.value != 1 }, [:], "each MsgId reached NHN exactly once")
        XCTAssertEqual(fixture.inboxProblems(injected.current), [], "each message once and complete in inbox/")
        XCTAssertEqual(markedTooEarly.current, [], "no message marked downloaded before its files were complete")
        print("Disk filled (\(filled.bytes) bytes, \(filled.files) inodes) after \(answeredAtFill) drops and \(downloadedAtFill) messages")
    }
}
