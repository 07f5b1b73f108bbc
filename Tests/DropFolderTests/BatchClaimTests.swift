@testable import DropFolder
import DropbridgeCore
import Foundation
import Glibc
import XCTest

/// A scan's drops claimed together under one manifest: the claim itself, its cost in fsyncs,
/// and recovery from a kill between any two of its steps.
final class BatchClaimTests: XCTestCase {
    struct Setup {
        let root: TempDirectory
        let outbox: String
        let sent: String
        let work: String
        let area: ClaimArea
    }

    func makeSetup() throws -> Setup {
        let root = try TempDirectory("batchclaim")
        let config = BridgeConfig(root: root.path)
        try FolderLayout.prepare(config.folderSettings)
        return Setup(
            root: root, outbox: config.folders.outbox, sent: config.folders.sent, work: config.state.work,
            area: ClaimArea(settings: config.folderSettings))
    }

    /// NAME.xml and NAME.json for each name, and the claim requests for them (claim ids d1, d2, …).
    func drop(_ s: Setup, _ names: [String]) throws -> [ClaimRequest] {
        for name in names {
            s.root.write("<\(name)/>", to: s.outbox, name: name + ".xml")
            s.root.write("{\"n\":\"\(name)\"}", to: s.outbox, name: name + ".json")
        }
        let scanned = try OutboxScanner(directory: s.outbox).scan()
        return names.enumerated().map { index, name in
            ClaimRequest(name: DropName(name), files: scanned.filter { $0.dropName == DropName(name) }, claimId: "d\(index + 1)")
        }
    }

    func manifests(_ s: Setup) -> [String] { entries(s.work).filter { $0.hasPrefix(ClaimBatchManifest.prefix) } }

    func testOneManifestAndOneFsyncPerFolderForTheWholeBatch() throws {
        let s = try makeSetup()
        let requests = try drop(s, (1...8).map { "brev\($0)" })
        let before = SyncCounter.shared.counts
        let results = try s.area.claim(requests, from: s.outbox)
        let cost = SyncCounter.shared.counts - before

        XCTAssertEqual(try results.map { try $0.get().kinds }, Array(repeating: [.document, .sidecar], count: 8))
        XCTAssertEqual(entries(s.outbox), [])
        XCTAssertEqual(manifests(s), [".batch-d1.claim"])
        XCTAssertEqual(readString(s.area.directory(of: "d3") + "/document.xml"), "<brev3/>")
        // The manifest (1 file); <work> once (the directories and the manifest), the outbox
        // once, and each claim directory once. (Tests run one at a time: nothing else syncs.)
        XCTAssertEqual(cost.files, 1)
        XCTAssertEqual(cost.directories, 8 + 2)
        // Claimed one at a time the same drops cost 2 file and 4 folder fsyncs each.
    }

    func testAVanishedDropFailsAloneAndGetsItsFilesBack() throws {
        let s = try makeSetup()
        let requests = try drop(s, ["a", "b", "c"])
        XCTAssertEqual(unlink(s.outbox + "/b.json"), 0)
        let results = try s.area.claim(requests, from: s.outbox)

        XCTAssertNotNil(try? results[0].get())
        XCTAssertThrowsError(try results[1].get()) { error in
            guard case .notFound = error as? DurableFileError else { return XCTFail("\(error)") }
        }
        XCTAssertNotNil(try? results[2].get())
        XCTAssertEqual(entries(s.outbox), ["b.xml"])
        XCTAssertFalse(exists(s.area.directory(of: "d2")))
    }

    /// The steps of a batch claim, in order: the claim directories made; the manifest written;
    /// each file moved in (document, then sidecar, drop after drop); the manifest marked
    /// complete. A kill after `done` steps leaves the disk as made here: claimed for real, then
    /// the later steps undone (renamed back, removed).
    func stateAfterKill(afterSteps done: Int, _ s: Setup, _ requests: [ClaimRequest]) throws {
        _ = try s.area.claim(requests, from: s.outbox)
        let moves = requests.flatMap { request in
            request.files.sorted { ($0.kind?.claimRank ?? 0) < ($1.kind?.claimRank ?? 0) }.map { (request.claimId, $0) }
        }
        guard done < Self.steps(moves.count) else { return }
        let claiming = s.work + "/" + ClaimBatchManifest.fileName(batchId: requests[0].claimId, complete: false)
        XCTAssertEqual(rename(s.work + "/" + ClaimBatchManifest.fileName(batchId: requests[0].claimId, complete: true), claiming), 0)
        for (claimId, entry) in moves[min(moves.count, max(0, done - 2))...].reversed() {
            let claimed = s.area.directory(of: claimId) + "/" + (entry.kind?.claimedFileName ?? "")
            XCTAssertEqual(rename(claimed, s.outbox + "/" + entry.displayName), 0, "undo \(claimed)")
        }
        if done < 2 { XCTAssertEqual(unlink(claiming), 0) }
        if done < 1 { for request in requests { XCTAssertEqual(rmdir(s.area.directory(of: request.claimId)), 0) } }
    }

    static func steps(_ moves: Int) -> Int { 3 + moves }

    func testAKillBetweenAnyTwoStepsIsFinishedOrUndoneByRecovery() throws {
        for done in 0...Self.steps(3 * 2) {
            let s = try makeSetup()
            let requests = try drop(s, ["a", "b", "c"])
            try stateAfterKill(afterSteps: done, s, requests)

            let recovered = try s.area.recover(outbox: s.outbox)

            if done < 2 {
                // Killed before the manifest: nothing was moved (empty directories are removed).
                XCTAssertEqual(recovered, [], "after \(done) steps")
                XCTAssertEqual(entries(s.outbox).count, 6, "after \(done) steps")
                XCTAssertEqual(entries(s.work), [], "after \(done) steps")
            } else {
                // From the manifest on, the claim is finished: every drop claimed whole, once.
                XCTAssertEqual(recovered.map(\.claimId), ["d1", "d2", "d3"], "after \(done) steps")
                XCTAssertEqual(recovered.map(\.name), [DropName("a"), DropName("b"), DropName("c")], "after \(done) steps")
                XCTAssertEqual(recovered.map(\.kinds), Array(repeating: [.document, .sidecar], count: 3), "after \(done) steps")
                XCTAssertEqual(entries(s.outbox), [], "after \(done) steps")
                XCTAssertEqual(manifests(s), [".batch-d1.claim"], "after \(done) steps")
                XCTAssertEqual(readString(s.area.directory(of: "d2") + "/sidecar.json"), "{\"n\":\"b\"}", "after \(done) steps")
                // And a second recovery (killed again at once) finds the same.
                XCTAssertEqual(try s.area.recover(outbox: s.outbox), recovered, "after \(done) steps")
            }
        }
    }

    func testAReleasedMemberIsNeverRefilledFromANewerNamesakeInTheOutbox() throws {
        let s = try makeSetup()
        let requests = try drop(s, ["a", "b"])
        _ = try s.area.claim(requests, from: s.outbox)
        try s.area.releaseMember("d1", to: s.sent, as: "a")
        // A half-released one: its document is out, its sidecar still claimed.
        XCTAssertEqual(rename(s.area.directory(of: "d2") + "/document.xml", s.sent + "/b.xml"), 0)
        // The producer drops new files of both names; then the bridge is killed.
        for name in ["a", "b"] {
            s.root.write("<new/>", to: s.outbox, name: name + ".xml")
            s.root.write("{}", to: s.outbox, name: name + ".json")
        }

        let recovered = try s.area.recover(outbox: s.outbox)

        XCTAssertEqual(recovered.map(\.claimId), ["d2"])
        XCTAssertEqual(recovered.first?.kinds, [.sidecar])
        XCTAssertEqual(entries(s.outbox), ["a.json", "a.xml", "b.json", "b.xml"])
        XCTAssertEqual(entries(s.sent), ["a.json", "a.xml", "b.xml"])
    }

    func testAnInterruptedClaimTakesOnlyTheFilesTheScanSaw() throws {
        let s = try makeSetup()
        let requests = try drop(s, ["a"])
        // Killed after the manifest, before any move; then a.xml was replaced by a new file.
        try stateAfterKill(afterSteps: 2, s, requests)
        // Made beside the old one and renamed over it, so it is surely another inode.
        s.root.write("<replaced/>", to: s.outbox, name: "a.new")
        XCTAssertEqual(rename(s.outbox + "/a.new", s.outbox + "/a.xml"), 0)

        let recovered = try s.area.recover(outbox: s.outbox)

        XCTAssertEqual(recovered.first?.kinds, [.sidecar])
        XCTAssertEqual(entries(s.outbox), ["a.xml"])
        XCTAssertEqual(readString(s.outbox + "/a.xml"), "<replaced/>")
    }

    func testReleaseOfEveryMemberLeavesTheWorkAreaEmpty() throws {
        let s = try makeSetup()
        let requests = try drop(s, ["a", "b"])
        _ = try s.area.claim(requests, from: s.outbox)
        XCTAssertEqual(try s.area.claimed("d2")?.name, DropName("b"))
        XCTAssertEqual(try s.area.contents(of: "d1"), ClaimContents(kinds: [.document, .sidecar], hasOwnManifest: false))
        try s.area.releaseMember("d1", to: s.sent, as: "a")
        XCTAssertEqual(try s.area.removeSpentBatches(), 0, "d2 is still claimed")
        try s.area.returnToOutbox("d2", outbox: s.outbox)
        XCTAssertEqual(try s.area.removeSpentBatches(), 1)

        XCTAssertEqual(entries(s.work), [])
        XCTAssertEqual(entries(s.sent), ["a.json", "a.xml"])
        XCTAssertEqual(entries(s.outbox), ["b.json", "b.xml"])
        XCTAssertNil(try s.area.contents(of: "d1"))
    }
}
