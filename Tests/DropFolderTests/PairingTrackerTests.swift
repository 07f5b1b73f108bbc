@testable import DropFolder
import DropbridgeCore
import XCTest

final class PairingTrackerTests: XCTestCase {
    let t0 = ContinuousClock.now

    func at(_ ms: Int) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }

    func file(
        _ name: String, size: Int64 = 10, inode: UInt64 = 1, type: EntryFileType = .regular, links: Int = 1, readable: Bool = true
    ) -> OutboxEntry {
        OutboxEntry(rawName: Array(name.utf8), type: type, size: size, mtimeNanoseconds: 5, inode: inode, linkCount: links, readable: readable)
    }

    func tracker(_ sidecar: BridgeConfig.SidecarPolicy = .required, orphanSeconds: Double = 300) -> PairingTracker {
        PairingTracker(policy: PairingPolicy(sidecar: sidecar, settleMilliseconds: 500, orphanSeconds: orphanSeconds))
    }

    func testPairIsReadyOnceBothHalvesAreStable() {
        var t = tracker()
        let xml = file("a.xml", inode: 1), json = file("a.json", inode: 2)
        XCTAssertEqual(t.observe([xml, json], now: at(0)), [])
        XCTAssertEqual(t.waitingCount, 1)
        XCTAssertEqual(t.nextDecisionTime, at(500))
        XCTAssertEqual(t.observe([xml, json], now: at(499)), [], "not yet a settle window apart")
        let decisions = t.observe([xml, json], now: at(500))
        XCTAssertEqual(decisions.count, 1)
        guard case let .ready(pair)? = decisions.first else { return XCTFail("\(decisions)") }
        XCTAssertEqual(pair.name, DropName("a"))
        XCTAssertEqual(pair.kind, .message)
        XCTAssertEqual(pair.files.map(\.displayName), ["a.xml", "a.json"], "document first, sidecar last")
        XCTAssertEqual(t.observe([xml, json], now: at(900)), [], "decided once per appearance")
        XCTAssertEqual(t.waitingCount, 0, "a decided NAME is not waiting")
        XCTAssertNil(t.nextDecisionTime)
        XCTAssertEqual(t.observe([file("dir.xml", type: .directory)], now: at(1000)), [])
        XCTAssertEqual(t.waitingCount, 0, "a folder alone never waits for anything")
    }

    func testSidecarFirstThenDocumentAlsoPairs() {
        var t = tracker()
        let json = file("b.json", inode: 2), gz = file("b.xml.gz", inode: 3)
        XCTAssertEqual(t.observe([json], now: at(0)), [])
        XCTAssertEqual(t.observe([json], now: at(1000)), [])
        XCTAssertEqual(t.observe([gz, json], now: at(1100)), [], "the document just arrived")
        guard case let .ready(pair)? = t.observe([gz, json], now: at(1600)).first else { return XCTFail() }
        XCTAssertEqual(pair.document?.kind, .gzDocument)
        XCTAssertEqual(pair.sidecar?.displayName, "b.json")
    }

    func testAGrowingFileRestartsTheSettleWindow() {
        var t = tracker()
        let json = file("c.json", inode: 2)
        XCTAssertEqual(t.observe([file("c.xml", size: 10), json], now: at(0)), [])
        XCTAssertEqual(t.observe([file("c.xml", size: 20), json], now: at(600)), [])
        XCTAssertEqual(t.observe([file("c.xml", size: 20), json], now: at(1000)), [])
        XCTAssertEqual(t.observe([file("c.xml", size: 20), json], now: at(1100)).count, 1)
    }

    func testRenamedInFilesAreStableAtOnce() {
        var t = tracker()
        t.noteArrivedByRename([Array("d.xml".utf8), Array("d.json".utf8)], now: at(0))
        let decisions = t.observe([file("d.xml"), file("d.json", inode: 2)], now: at(1))
        guard case .ready? = decisions.first else { return XCTFail("\(decisions)") }
    }

    func testOrphanAfterTheTimeoutSaysWhichHalfIsMissing() {
        var t = tracker(orphanSeconds: 10)
        let xml = file("e.xml")
        XCTAssertEqual(t.observe([xml], now: at(0)), [])
        XCTAssertEqual(t.observe([xml], now: at(9_999)), [])
        XCTAssertEqual(t.nextDecisionTime, at(10_000), "settled: next is the orphan timeout")
        let decisions = t.observe([xml], now: at(10_000))
        guard case let .orphan(name, files, reason)? = decisions.first else { return XCTFail("\(decisions)") }
        XCTAssertEqual(name.safe, "e")
        XCTAssertEqual(files, [xml])
        XCTAssertTrue(reason.contains("sidecar e.json"), reason)
        XCTAssertEqual(decisions.first?.failure?.stage, .pairing)

        let json = file("f.json")
        _ = t.observe([json], now: at(20_000))
        guard case let .orphan(_, _, why)? = t.observe([json], now: at(30_000)).first else { return XCTFail() }
        XCTAssertTrue(why.contains("document f.xml"), why)
    }

    func testSidecarWhoseDocumentIsAFolderIsAnOrphan() {
        var t = tracker(orphanSeconds: 1)
        let entries = [file("g.json"), file("g.xml", type: .directory)]
        XCTAssertEqual(t.observe(entries, now: at(0)), [])
        let decisions = t.observe(entries, now: at(1000))
        guard case let .orphan(_, files, reason)? = decisions.first else { return XCTFail("\(decisions)") }
        XCTAssertEqual(files.map(\.displayName), ["g.json"], "the folder is never part of a drop")
        XCTAssertTrue(reason.contains("folder"), reason)
    }

    func testAnOrphanNamesItsHalfWrittenInOtherLetterCase() {
        var t = tracker(orphanSeconds: 1)
        let sidecarAlone = [file("h.json", inode: 1), file("h.XML", inode: 2)]
        let documentAlone = [file("k.xml", inode: 3), file("k.Json", inode: 4)]
        let entries = sidecarAlone + documentAlone + [file("z.xml", inode: 5), file("z.json", inode: 6)]
        XCTAssertEqual(t.observe(entries, now: at(0)).count, 0)
        let decisions = t.observe(entries, now: at(1000))
        var reasons: [String: String] = [:]
        for case let .orphan(name, files, reason) in decisions {
            XCTAssertFalse(files.contains { $0.kind == nil }, "a lookalike is never part of a drop")
            reasons[name.safe] = reason
        }
        XCTAssertEqual(
            reasons["h"], "the document h.xml (or .xml.gz) did not arrive within 1 seconds of the sidecar h.json; h.XML is there, "
                + "but dropbridge takes only lower-case endings (.xml, .xml.gz, .json): rename it")
        XCTAssertTrue(reasons["k"]?.hasSuffix("; k.Json is there, but dropbridge takes only lower-case endings (.xml, .xml.gz, .json): rename it") ?? false, "\(reasons)")
        XCTAssertTrue(decisions.contains { if case .ready(let pair) = $0 { pair.name == DropName("z") } else { false } })
    }

    func testADocumentWhoseNameEndsInApprecIsToldWhyItsSidecarNeverCounts() {
        var t = tracker(orphanSeconds: 1)
        let document = [file("x.apprec.xml", inode: 1)]
        XCTAssertEqual(t.observe(document, now: at(0)), [])
        guard case let .orphan(_, _, reason)? = t.observe(document, now: at(1000)).first else { return XCTFail() }
        XCTAssertTrue(reason.hasSuffix("; a NAME cannot end in .apprec: x.apprec.json is read as an AppRec answer, so rename the pair"), reason)
    }

    func testDocumentAndGzDocumentConflict() {
        var t = tracker()
        let entries = [file("h.xml"), file("h.xml.gz", inode: 2), file("h.json", inode: 3)]
        XCTAssertEqual(t.observe(entries, now: at(0)), [])
        let decisions = t.observe(entries, now: at(500))
        guard case let .conflict(_, files, _)? = decisions.first else { return XCTFail("\(decisions)") }
        XCTAssertEqual(Set(files.map(\.displayName)), ["h.xml", "h.xml.gz", "h.json"])
        XCTAssertEqual(decisions.first?.failure?.stage, .pairing)
    }

    func testOptionalSidecarSendsALoneDocumentAfterTheSettleWindow() {
        var t = tracker(.optional)
        XCTAssertEqual(t.observe([file("i.xml")], now: at(0)), [])
        guard case let .ready(pair)? = t.observe([file("i.xml")], now: at(500)).first else { return XCTFail() }
        XCTAssertNil(pair.sidecar)
        XCTAssertEqual(pair.document?.displayName, "i.xml")
    }

    func testAppRecAloneIsReadyOnceStable() {
        var t = tracker()
        let apprec = file("j.apprec.json")
        XCTAssertEqual(t.observe([apprec], now: at(0)), [])
        guard case let .ready(pair)? = t.observe([apprec], now: at(500)).first else { return XCTFail() }
        XCTAssertEqual(pair.kind, .appRec)
        XCTAssertEqual(pair.files, [apprec])
    }

    func testSymlinkAndFIFOAreUnsafeRightAway() {
        var t = tracker()
        let decisions = t.observe([file("k.xml", type: .symlink), file("k.json", inode: 2), file("l.xml", inode: 3, type: .fifo)], now: at(0))
        XCTAssertEqual(decisions.count, 2)
        guard case let .unsafe(_, entry, files, reason) = decisions[0] else { return XCTFail("\(decisions)") }
        XCTAssertEqual(entry.displayName, "k.xml")
        XCTAssertEqual(files.count, 2)
        XCTAssertTrue(reason.contains("symbolic link"), reason)
        XCTAssertEqual(decisions[0].failure?.stage, .reading)
        guard case let .unsafe(_, fifo, _, _) = decisions[1] else { return XCTFail() }
        XCTAssertEqual(fifo.type, .fifo)
    }

    func testAHardLinkedDocumentOrSidecarIsUnsafeOnceStable() {
        var t = tracker()
        let linkedXML = [file("h.xml", links: 2), file("h.json", inode: 2)]
        XCTAssertEqual(t.observe(linkedXML, now: at(0)), [], "judged only once stable")
        guard case let .unsafe(_, entry, files, reason)? = t.observe(linkedXML, now: at(500)).first else { return XCTFail() }
        XCTAssertEqual(entry.displayName, "h.xml")
        XCTAssertEqual(files.count, 2, "the whole drop is refused")
        XCTAssertTrue(reason.contains("2 hard links"), reason)
        XCTAssertTrue(reason.contains("other link alone"), reason)

        let linkedSidecar = [file("s.xml", inode: 3), file("s.json", inode: 4, links: 3)]
        _ = t.observe(linkedSidecar, now: at(1000))
        guard case let .unsafe(_, sidecar, _, _)? = t.observe(linkedSidecar, now: at(1500)).first else { return XCTFail() }
        XCTAssertEqual(sidecar.displayName, "s.json")
        XCTAssertEqual(t.observe(linkedSidecar, now: at(1500)).first?.failure?.stage, nil, "decided once")
    }

    func testALinkThenUnlinkPublishIsNotRefused() {
        // `link(tmp, NAME.xml)` then `unlink(tmp)`: two links for a moment, then one.
        var t = tracker()
        let json = file("p.json", inode: 2)
        XCTAssertEqual(t.observe([file("p.xml", links: 2), json], now: at(0)), [])
        XCTAssertEqual(t.observe([file("p.xml", links: 1), json], now: at(300)), [])
        XCTAssertEqual(t.observe([file("p.xml", links: 1), json], now: at(600)), [], "the count changed: the settle window starts again")
        guard case .ready? = t.observe([file("p.xml", links: 1), json], now: at(800)).first else { return XCTFail() }
    }

    func testUnreadableReadyFileIsUnsafe() {
        var t = tracker()
        let entries = [file("m.xml", readable: false), file("m.json", inode: 2)]
        _ = t.observe(entries, now: at(0))
        guard case let .unsafe(_, entry, _, reason)? = t.observe(entries, now: at(500)).first else { return XCTFail() }
        XCTAssertEqual(entry.displayName, "m.xml")
        XCTAssertTrue(reason.contains("cannot be read"))
    }

    func testInvalidNameIsRefusedAtPairingWithItsSafeName() {
        var t = tracker()
        let raw: [UInt8] = [0x6E, 0xFF]
        let entries = [
            OutboxEntry(rawName: raw + Array(".xml".utf8), type: .regular, size: 1, inode: 1),
            OutboxEntry(rawName: raw + Array(".json".utf8), type: .regular, size: 1, inode: 2),
        ]
        _ = t.observe(entries, now: at(0))
        let decisions = t.observe(entries, now: at(500))
        guard case let .invalidName(name, files, _)? = decisions.first else { return XCTFail("\(decisions)") }
        XCTAssertEqual(name.safe, "n%FF")
        XCTAssertEqual(files.count, 2)
        XCTAssertEqual(decisions.first?.failure?.stage, .pairing)
    }

    func testANameComesBackAfterItsFilesWereClaimedAway() {
        var t = tracker()
        let pair = [file("o.xml", inode: 1), file("o.json", inode: 2)]
        _ = t.observe(pair, now: at(0))
        XCTAssertEqual(t.observe(pair, now: at(500)).count, 1)
        XCTAssertEqual(t.observe([], now: at(600)), [])
        let again = [file("o.xml", inode: 7), file("o.json", inode: 8)]
        _ = t.observe(again, now: at(700))
        XCTAssertEqual(t.observe(again, now: at(1200)).count, 1, "a new appearance is decided again")
        XCTAssertEqual(t.observe(again, now: at(1300)), [])
        t.forget(DropName("o"))
        XCTAssertEqual(t.observe(again, now: at(1400)).count, 1, "forget allows a second decision")
    }
}
