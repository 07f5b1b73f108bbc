import DropbridgeCore
import Foundation
import Ledger
import Simulator
import XCTest

/// The outbox end to end: real folders, real inotify, real libxml2, real SQLite, real HTTP.
final class OutboxTests: XCTestCase {
    static func msgHead(msgId: String, sender: Int = 8143060, receiver: Int = 8094866) throws -> [UInt8] {
        let template = try String(contentsOfFile: BridgeHarness.samples + "/outbox/01-dialog-helsefaglig.xml", encoding: .utf8)
        var text = template.replacingOccurrences(of: "6f1b2c3d-0001-4a00-9000-000000000001", with: msgId)
        text = text.replacingOccurrences(of: "<Id>8143060</Id>", with: "<Id>\(sender)</Id>")
        text = text.replacingOccurrences(of: "<Id>8094866</Id>", with: "<Id>\(receiver)</Id>")
        return Array(text.utf8)
    }

    func testSamplesEndInSentOrFailedWithReasons() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let samples = try FileManager.default.contentsOfDirectory(atPath: BridgeHarness.samples + "/outbox")
            .filter { $0.hasSuffix(".xml") && !$0.contains("altinn") }.map { String($0.dropLast(4)) }.sorted()
        XCTAssertGreaterThanOrEqual(samples.count, 8)
        for sample in samples { try harness.dropSample(sample) }

        for sample in samples {
            let expectFailure = sample.contains("broken")
            try await harness.waitUntilFiled(sample, in: expectFailure ? harness.config.folders.failed : harness.config.folders.sent)
            if expectFailure {
                let report = try harness.errorReport(sample)
                XCTAssertEqual(report.stage, .validation, sample)
                XCTAssertFalse(report.reason.isEmpty)
                XCTAssertTrue(FileManager.default.fileExists(atPath: harness.config.folders.failed + "/" + sample + ".xml"))
                XCTAssertTrue(FileManager.default.fileExists(atPath: harness.config.folders.failed + "/" + sample + ".json"))
            } else {
                let receipt = try harness.sentReceipt(sample)
                XCTAssertEqual(receipt.name, sample)
                XCTAssertEqual(receipt.channel, "nhn")
                XCTAssertEqual(receipt.senderHerId, 8143060)
                XCTAssertFalse(receipt.messageId.isEmpty)
                XCTAssertNotNil(receipt.msgId)
                let observed1 = await harness.simulator.count(msgId: receipt.msgId ?? "")
                XCTAssertEqual(observed1, 1, sample)
                // sent/ keeps the bytes exactly as dropped.
                let dropped = try Data(contentsOf: URL(fileURLWithPath: BridgeHarness.samples + "/outbox/" + sample + ".xml"))
                let kept = try Data(contentsOf: URL(fileURLWithPath: harness.config.folders.sent + "/" + sample + ".xml"))
                XCTAssertEqual(dropped, kept)
            }
        }
        // Nothing of /etc/passwd went anywhere.
        let passwdLine = try String(contentsOfFile: "/etc/passwd", encoding: .utf8).split(separator: "\n").first.map(String.init) ?? "root:x:0:0"
        for message in await harness.simulator.receivedMessages() {
            XCTAssertFalse(message.document.contains(passwdLine))
        }
        for file in harness.files(in: harness.config.folders.failed) where file.hasSuffix(".error.json") {
            let text = try String(contentsOfFile: harness.config.folders.failed + "/" + file, encoding: .utf8)
            XCTAssertFalse(text.contains(passwdLine), file)
        }
        // The Latin-1 sample was sent as UTF-8 with its declaration updated.
        let latin = await harness.simulator.receivedMessages().first { $0.document.contains("Troms") }
        XCTAssertNotNil(latin)
        XCTAssertTrue(latin?.document.contains("Tromsø") ?? false)
        XCTAssertFalse(harness.files(in: harness.config.folders.outbox).contains { !$0.hasPrefix(".") })
        XCTAssertEqual(harness.files(in: harness.config.state.work), [])
    }

    func testBothArrivalOrdersAndNameReuse() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        // Sidecar first, then the XML.
        try harness.drop("sidecar-first", xml: nil, sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await Task.sleep(for: .milliseconds(300))
        try harness.drop("sidecar-first", xml: try Self.msgHead(msgId: "order-1"), sidecar: nil)
        try await harness.waitUntilFiled("sidecar-first", in: harness.config.folders.sent)
        // The same NAME again: the second drop is known as NAME~2 everywhere.
        try harness.drop("sidecar-first", xml: try Self.msgHead(msgId: "order-2"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("sidecar-first~2", in: harness.config.folders.sent)
        XCTAssertEqual(try harness.sentReceipt("sidecar-first~2").msgId, "order-2")
        XCTAssertEqual(try harness.sentReceipt("sidecar-first~2").droppedAs, "sidecar-first")
        XCTAssertNil(try harness.sentReceipt("sidecar-first").droppedAs)
        XCTAssertEqual(try harness.sentReceipt("sidecar-first").msgId, "order-1")
    }

    func testOrphansGoToFailedAfterTheTimeout() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.drop("lonely-xml", xml: try Self.msgHead(msgId: "orphan-1"), sidecar: nil)
        try harness.drop("lonely-sidecar", xml: nil, sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("lonely-xml", in: harness.config.folders.failed)
        try await harness.waitUntilFiled("lonely-sidecar", in: harness.config.folders.failed)
        XCTAssertEqual(try harness.errorReport("lonely-xml").stage, .pairing)
        XCTAssertEqual(try harness.errorReport("lonely-sidecar").stage, .pairing)
        let observed2 = await harness.simulator.receivedMessages().count
        XCTAssertEqual(observed2, 0)
    }

    func testUnsafeFilesAreRefusedAndTheDaemonGoesOn() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let outbox = harness.config.folders.outbox
        // A FIFO must never block the daemon; a symlink is never followed.
        XCTAssertEqual(mkfifo(outbox + "/fifo.xml", 0o644), 0)
        try harness.put(Data(#"{"receiverHerIds":[8094866]}"#.utf8), as: "fifo.json")
        XCTAssertEqual(symlink("/etc/passwd", outbox + "/link.xml"), 0)
        try harness.put(Data(#"{"receiverHerIds":[8094866]}"#.utf8), as: "link.json")
        // Broken sidecars.
        try harness.drop("dup-keys", xml: try Self.msgHead(msgId: "d1"), sidecar: #"{"receiverHerIds":[8094866],"receiverHerIds":[1]}"#)
        try harness.drop("not-json", xml: try Self.msgHead(msgId: "d2"), sidecar: "receiverHerIds: 8094866")
        try harness.drop("empty-receivers", xml: try Self.msgHead(msgId: "d3"), sidecar: #"{"receiverHerIds":[]}"#)
        try harness.drop("wrong-type", xml: try Self.msgHead(msgId: "d4"), sidecar: #"{"receiverHerIds":["8094866"]}"#)
        try harness.drop("empty-xml", xml: [], sidecar: #"{"receiverHerIds":[8094866]}"#)
        try harness.drop("doctype", xml: Array(#"<?xml version="1.0"?><!DOCTYPE x SYSTEM "http://example.invalid/x.dtd"><x/>"#.utf8), sidecar: #"{"receiverHerIds":[8094866]}"#)
        // A valid drop after all that still goes through.
        try harness.drop("good", xml: try Self.msgHead(msgId: "good-1"), sidecar: #"{"receiverHerIds":[8094866]}"#)

        let failed = harness.config.folders.failed
        try await harness.waitUntilFiled("fifo", in: failed)
        try await harness.waitUntilFiled("link", in: failed)
        XCTAssertEqual(try harness.errorReport("fifo").stage, .reading)
        XCTAssertEqual(try harness.errorReport("link").stage, .reading)
        for name in ["dup-keys", "not-json", "empty-receivers", "wrong-type", "empty-xml", "doctype"] {
            try await harness.waitUntilFiled(name, in: failed)
            XCTAssertEqual(try harness.errorReport(name).stage, .validation, name)
        }
        XCTAssertTrue(try harness.errorReport("dup-keys").reason.contains("duplicate key"))
        XCTAssertTrue(try harness.errorReport("wrong-type").reason.contains("receiverHerIds"))
        try await harness.waitUntilFiled("good", in: harness.config.folders.sent)
        // The symlink itself was moved, its target untouched.
        var info = stat()
        XCTAssertEqual(lstat(failed + "/link.xml", &info), 0)
        XCTAssertEqual(info.st_mode & S_IFMT, S_IFLNK)
    }

    func testHardLinkedDropsAreRefusedAndTheOtherLinkIsLeftAlone() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let outbox = harness.config.folders.outbox
        let elsewhere = harness.root + "/elsewhere"
        try FileManager.default.createDirectory(atPath: elsewhere, withIntermediateDirectories: true)
        let sidecar = #"{"receiverHerIds":[8094866]}"#
        // The document has a second name outside the outbox that its owner can still change.
        let document = try Self.msgHead(msgId: "linked-1")
        try Data(document).write(to: URL(fileURLWithPath: elsewhere + "/doc.xml"))
        XCTAssertEqual(link(elsewhere + "/doc.xml", outbox + "/.linked.xml"), 0)
        XCTAssertEqual(rename(outbox + "/.linked.xml", outbox + "/linked.xml"), 0)
        try harness.put(Data(sidecar.utf8), as: "linked.json")
        // A sidecar linked to another file.
        try harness.put(Data(try Self.msgHead(msgId: "linked-2")), as: "linked-sidecar.xml")
        try Data(sidecar.utf8).write(to: URL(fileURLWithPath: elsewhere + "/sidecar.json"))
        XCTAssertEqual(link(elsewhere + "/sidecar.json", outbox + "/.linked-sidecar.json"), 0)
        XCTAssertEqual(rename(outbox + "/.linked-sidecar.json", outbox + "/linked-sidecar.json"), 0)
        try harness.drop("plain", xml: try Self.msgHead(msgId: "plain-1"), sidecar: sidecar)

        let failed = harness.config.folders.failed
        try await harness.waitUntilFiled("linked", in: failed)
        try await harness.waitUntilFiled("linked-sidecar", in: failed)
        try await harness.waitUntilFiled("plain", in: harness.config.folders.sent)
        for (name, file) in [("linked", "linked.xml"), ("linked-sidecar", "linked-sidecar.json")] {
            let report = try harness.errorReport(name)
            XCTAssertEqual(report.stage, .reading, name)
            XCTAssertTrue(report.reason.contains("\(file) has 2 hard links"), report.reason)
        }
        let nothingSent = await harness.simulator.count(msgId: "linked-1") + harness.simulator.count(msgId: "linked-2")
        XCTAssertEqual(nothingSent, 0)
        // The other links are where they were, with their bytes.
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: elsewhere + "/doc.xml")), Data(document))
        XCTAssertEqual(try String(contentsOfFile: elsewhere + "/sidecar.json", encoding: .utf8), sidecar)
    }

    func testOddNamesAreKeptOrMadeSafe() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let sidecar = #"{"receiverHerIds":[8094866]}"#
        // Spaces and Norwegian letters are fine.
        try harness.drop("epikrise Ærlig Østby å", xml: try Self.msgHead(msgId: "odd-1"), sidecar: sidecar)
        // A NAME that is not UTF-8 is refused at pairing, under a safe name.
        let outbox = harness.config.folders.outbox
        for suffix in [".xml", ".json"] {
            let bytes: [UInt8] = Array((outbox + "/bad").utf8) + [0xFF, 0xFE] + Array(suffix.utf8) + [0]
            let fd = bytes.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: bytes.count) { open($0, O_CREAT | O_WRONLY, 0o644) }
            }
            XCTAssertGreaterThanOrEqual(fd, 0)
            let content = suffix == ".xml" ? try Self.msgHead(msgId: "odd-2") : Array(sidecar.utf8)
            _ = content.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        // Both NAME.xml and NAME.xml.gz: which one is meant? Neither is sent.
        try harness.put(Data(try Self.msgHead(msgId: "odd-3")), as: "twice.xml")
        try harness.put(Data(try Gzipper.gzip(try Self.msgHead(msgId: "odd-3"))), as: "twice.xml.gz")
        try harness.put(Data(sidecar.utf8), as: "twice.json")

        try await harness.waitUntilFiled("epikrise Ærlig Østby å", in: harness.config.folders.sent)
        try await harness.waitUntilFiled("bad%FF%FE", in: harness.config.folders.failed)
        XCTAssertEqual(try harness.errorReport("bad%FF%FE").stage, .pairing)
        try await harness.waitUntilFiled("twice", in: harness.config.folders.failed)
        XCTAssertEqual(try harness.errorReport("twice").stage, .pairing)
        let seen = await harness.simulator.count(msgId: "odd-2") + harness.simulator.count(msgId: "odd-3")
        XCTAssertEqual(seen, 0)
    }

    func testPollingOnlyWithAWriterThatWritesInPlace() async throws {
        // outbox.inotify: off (as on NFS/SMB) and a producer that writes the final names directly:
        // the drop is taken only once both files have been stable for the settle window.
        let harness = try await BridgeHarness { config in
            config.outbox.inotify = .off
            config.outbox.rescanSeconds = 0.2
            config.outbox.settleMilliseconds = 600
        }
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let path = harness.config.folders.outbox + "/in-place.xml"
        let xml = try Self.msgHead(msgId: "in-place-1")
        FileManager.default.createFile(atPath: path, contents: Data(xml[..<200]))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try FileManager.default.createFile(atPath: harness.config.folders.outbox + "/in-place.json", contents: Data(#"{"receiverHerIds":[8094866]}"#.utf8))
        // Still growing: nothing may be taken while the writer is at it.
        for offset in stride(from: 200, to: xml.count, by: 400) {
            try await Task.sleep(for: .milliseconds(150))
            try handle.seekToEnd()
            try handle.write(contentsOf: Data(xml[offset..<min(offset + 400, xml.count)]))
            XCTAssertEqual(try harness.ledger.drop(named: "in-place"), nil, "taken while still being written")
        }
        try handle.close()
        try await harness.waitUntilFiled("in-place", in: harness.config.folders.sent)
        let received = await harness.simulator.receivedMessages().first { $0.msgId == "in-place-1" }
        XCTAssertEqual(received?.document.utf8.count, String(decoding: xml, as: UTF8.self).utf8.count, "the whole document was sent")
    }

    func testOptionalSidecarTakesMetadataFromTheMsgHead() async throws {
        let harness = try await BridgeHarness { $0.outbox.sidecar = .optional }
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.drop("no-sidecar", xml: try Self.msgHead(msgId: "opt-1", receiver: 8143025), sidecar: nil)
        try await harness.waitUntilFiled("no-sidecar", in: harness.config.folders.sent)
        let receipt = try harness.sentReceipt("no-sidecar")
        XCTAssertEqual(receipt.receiverHerIds, [8143025])
        XCTAssertEqual(receipt.senderHerId, 8143060)
        let received = await harness.simulator.receivedMessages().first { $0.msgId == "opt-1" }
        XCTAssertEqual(received?.messageTypeIdentificator, "DIALOG_HELSEFAGLIG")
    }

    /// NHN wants UTF-8 that declares it (the simulator refuses anything else): a drop without a
    /// declaration is sent with one, and `sent/` keeps the bytes as dropped.
    func testADropWithoutADeclarationIsSentDeclaredUTF8() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let declaration = #"<?xml version="1.0" encoding="UTF-8"?>"#
        let dropped = String(decoding: try Self.msgHead(msgId: "undeclared-1"), as: UTF8.self)
            .replacingOccurrences(of: declaration, with: "")
        XCTAssertFalse(dropped.contains("<?xml"))
        try harness.drop("undeclared", xml: Array(dropped.utf8), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("undeclared", in: harness.config.folders.sent)
        let messages = await harness.simulator.receivedMessages()
        let received = try XCTUnwrap(messages.first { $0.msgId == "undeclared-1" })
        XCTAssertEqual(received.document, declaration + "\n" + dropped)
        let kept = try String(contentsOfFile: harness.config.folders.sent + "/undeclared.xml", encoding: .utf8)
        XCTAssertEqual(kept, dropped)
    }

    func testGzipDropsAndGzipBombs() async throws {
        let harness = try await BridgeHarness { $0.outbox.maxBytes = 1_000_000 }
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.drop("zipped", xml: try Gzipper.gzip(try Self.msgHead(msgId: "gz-1")), xmlSuffix: ".xml.gz", sidecar: #"{"receiverHerIds":[8094866]}"#)
        try harness.drop("bomb", xml: try Gzipper.gzip([UInt8](repeating: 0x20, count: 20_000_000)), xmlSuffix: ".xml.gz", sidecar: #"{"receiverHerIds":[8094866]}"#)
        try harness.drop("too-big", xml: [UInt8](repeating: 0x20, count: 1_000_001), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try harness.put(Data([0x1F, 0x8B, 0x08, 0x00, 0x01]), as: "truncated.xml.gz")
        try harness.put(Data(#"{"receiverHerIds":[8094866]}"#.utf8), as: "truncated.json")
        try await harness.waitUntilFiled("zipped", in: harness.config.folders.sent)
        XCTAssertTrue(FileManager.default.fileExists(atPath: harness.config.folders.sent + "/zipped.xml.gz"))
        try await harness.waitUntilFiled("bomb", in: harness.config.folders.failed)
        XCTAssertEqual(try harness.errorReport("bomb").stage, .reading)
        try await harness.waitUntilFiled("too-big", in: harness.config.folders.failed)
        XCTAssertEqual(try harness.errorReport("too-big").stage, .reading)
        XCTAssertTrue(try harness.errorReport("too-big").reason.contains("outbox.maxBytes"))
        try await harness.waitUntilFiled("truncated", in: harness.config.folders.failed)
        XCTAssertEqual(try harness.errorReport("truncated").stage, .reading)
        let observed3 = await harness.simulator.count(msgId: "gz-1")
        XCTAssertEqual(observed3, 1)
    }

    func testTransientFaultsEndWithEveryDropSentExactlyOnce() async throws {
        let faults = FaultSettings(statusRates: [503: 0.25, 429: 0.1, 500: 0.05], retryAfterSeconds: 1, resetRate: 0.1, seed: 42)
        let harness = try await BridgeHarness(faults: faults)
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let names = (1...30).map { "burst-\($0)" }
        for (index, name) in names.enumerated() {
            try harness.drop(name, xml: try Self.msgHead(msgId: "burst-msg-\(index)"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        }
        for name in names {
            try await harness.waitUntilFiled(name, in: harness.config.folders.sent, timeout: .seconds(60))
        }
        for index in names.indices {
            let seen = await harness.simulator.count(msgId: "burst-msg-\(index)")
            XCTAssertEqual(seen, 1)
        }
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [])
        let retried = try names.compactMap { try harness.ledger.drop(named: $0) }.filter { $0.attempts > 1 }
        XCTAssertFalse(retried.isEmpty, "the faults should have forced some retries")
    }

    func testLostAnswersAreResentAndCountedAsPossibleDuplicates() async throws {
        // NHN takes the message but the answer never arrives: the bridge cannot know, sends
        // again, and counts each such re-send in the ledger.
        let faults = FaultSettings(resetAfterAcceptRate: 0.3, seed: 7)
        let harness = try await BridgeHarness(faults: faults)
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let names = (1...20).map { "lost-\($0)" }
        for (index, name) in names.enumerated() {
            try harness.drop(name, xml: try Self.msgHead(msgId: "lost-msg-\(index)"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        }
        for name in names {
            try await harness.waitUntilFiled(name, in: harness.config.folders.sent, timeout: .seconds(60))
        }
        var resent = 0
        for (index, name) in names.enumerated() {
            let seen = await harness.simulator.count(msgId: "lost-msg-\(index)")
            XCTAssertGreaterThanOrEqual(seen, 1)
            let counted = try XCTUnwrap(try harness.ledger.drop(named: name)).possibleDuplicates
            XCTAssertEqual(counted, seen - 1, "\(name): every re-send after a lost answer is counted")
            resent += seen - 1
        }
        XCTAssertGreaterThan(resent, 0, "the faults should have lost some answers")
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [])
    }

    func testPermanentRefusalGoesToFailedWithTheProblem() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        // The simulator does not let us send from a HER-id we do not act for: 403, errorCode 1202.
        try harness.drop("foreign-sender", xml: try Self.msgHead(msgId: "f-1", sender: 8143025), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("foreign-sender", in: harness.config.folders.failed)
        let report = try harness.errorReport("foreign-sender")
        XCTAssertEqual(report.stage, .sending)
        XCTAssertEqual(report.httpStatus, 403)
        XCTAssertEqual(report.problem?["errorCode"]?.intValue, 1202)
    }

    func testLockedHerIdHoldsTheDropClaimed() async throws {
        let harness = try await BridgeHarness(faults: FaultSettings(statusRates: [423: 1.0]))
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.drop("locked", xml: try Self.msgHead(msgId: "l-1"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        // The 423 comes first for the sender's registration: the drop waits claimed, saying why
        // (it would go on by itself once NHN accepts; RegistrationTests proves that).
        try await harness.waitUntil("the drop waits for the refused registration") {
            try harness.ledger.drop(named: "locked")?.lastError?.contains("waiting for NHN to accept the registration") == true
        }
        XCTAssertNotEqual(try harness.ledger.drop(named: "locked")?.state, .failed)
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [])
        XCTAssertEqual(harness.files(in: harness.config.folders.sent), [])
        // Still claimed: a restart without the lock sends it.
        try await harness.stop()
        await harness.simulator.setFaults(FaultSettings())
        try await harness.start()
        try await harness.waitUntilFiled("locked", in: harness.config.folders.sent)
        let observed4 = await harness.simulator.count(msgId: "l-1")
        XCTAssertEqual(observed4, 1)
    }

    func testGracefulStopDuringAnOutageResumesAfterRestart() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        // Registered before the outage: sending is tried (and fails) during it.
        try await harness.waitUntil("the sender is registered") { await harness.simulator.configuredHerIds() == [8143060] }
        await harness.simulator.setFaults(FaultSettings(statusRates: [503: 1.0]))
        try harness.drop("outage", xml: try Self.msgHead(msgId: "o-1"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntil("a send was tried") { (try harness.ledger.drop(named: "outage")?.attempts ?? 0) >= 2 }
        try await harness.stop()
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [], "a transient cause never fails a drop")
        XCTAssertEqual(harness.files(in: harness.config.state.work).count, 1)
        await harness.simulator.setFaults(FaultSettings())
        try await harness.start()
        try await harness.waitUntilFiled("outage", in: harness.config.folders.sent)
        let observed5 = await harness.simulator.count(msgId: "o-1")
        XCTAssertEqual(observed5, 1)
    }
}
