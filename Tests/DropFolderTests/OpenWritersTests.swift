@testable import DropFolder
import CLinuxSys
import DropbridgeCore
import Foundation
import Glibc
import XCTest

/// A sidecar written in place, whose writer paused longer than the settle window half-way, was
/// read half-written and refused ("unexpected end of JSON"). A file open for writing is not
/// stable until its writer closes it.
final class OpenWritersTests: XCTestCase {
    private static let slow = Array("slow.json".utf8)
    private var sidecarName: [UInt8] { Self.slow }

    private func event(_ mask: Int32, _ name: [UInt8]) -> InotifyEvent {
        InotifyEvent(mask: UInt32(mask), name: name)
    }

    func testAWriteOpensTheAccountAndTheCloseEndsIt() {
        var writers = OpenWriters()
        writers.note(event(IN_CREATE, sidecarName))
        XCTAssertEqual(writers.names, [], "created, nothing written yet (a hard link or mknod writes nothing)")
        writers.note(event(IN_MODIFY, sidecarName))
        XCTAssertEqual(writers.names, [sidecarName])
        writers.note(event(IN_MODIFY, sidecarName))
        writers.note(event(IN_CLOSE_WRITE, sidecarName))
        XCTAssertEqual(writers.names, [])
        writers.note(event(IN_MODIFY, sidecarName))
        writers.note(event(IN_MOVED_TO, sidecarName))
        XCTAssertEqual(writers.names, [], "a file renamed over the name is a new, complete entry")
    }

    func testAnOverflowForgetsEveryWriter() {
        var writers = OpenWriters()
        writers.note(event(IN_MODIFY, sidecarName))
        writers.note(event(IN_MODIFY, Array("b.xml".utf8)))
        writers.note(event(IN_Q_OVERFLOW, []))
        XCTAssertEqual(writers.names, [], "the settle window decides once events were lost")
    }

    func testAFileBeingWrittenIsNotStableUntilClosedOrTheOrphanWaitPasses() {
        let t0 = ContinuousClock.now
        func at(_ ms: Int) -> ContinuousClock.Instant { t0 + .milliseconds(ms) }
        var tracker = PairingTracker(policy: PairingPolicy(sidecar: .required, settleMilliseconds: 500, orphanSeconds: 10))
        let xml = OutboxEntry(rawName: Array("slow.xml".utf8), type: .regular, size: 10, mtimeNanoseconds: 5, inode: 1, readable: true)
        let json = OutboxEntry(rawName: sidecarName, type: .regular, size: 20, mtimeNanoseconds: 5, inode: 2, readable: true)
        tracker.noteArrivedByRename([xml.rawName], now: at(0))
        tracker.beingWritten = [sidecarName]
        XCTAssertEqual(tracker.observe([xml, json], now: at(0)), [])
        XCTAssertEqual(tracker.observe([xml, json], now: at(2_000)), [], "settled by size and mtime, but still open for writing")
        tracker.beingWritten = []
        XCTAssertEqual(tracker.observe([xml, json], now: at(2_001)).count, 1, "closed: ready at once")

        var stale = PairingTracker(policy: PairingPolicy(sidecar: .required, settleMilliseconds: 500, orphanSeconds: 10))
        stale.noteArrivedByRename([xml.rawName], now: at(0))
        stale.beingWritten = [sidecarName]
        XCTAssertEqual(stale.observe([xml, json], now: at(0)), [])
        XCTAssertEqual(stale.observe([xml, json], now: at(9_999)), [])
        XCTAssertEqual(stale.observe([xml, json], now: at(10_000)).count, 1, "a missed close holds a file no longer than the orphan wait")
    }

    /// The real kernel: the watcher sees a file open for writing after a write, and not after its close.
    func testTheWatcherKnowsAFileIsOpenForWriting() async throws {
        let root = try TempDirectory()
        let outbox = try root.sub("outbox")
        let watcher = try OutboxWatcher(directory: outbox, mode: .on)
        defer { watcher.cancel() }
        XCTAssertEqual(watcher.method, .inotify)
        let fd = open(outbox + "/slow.json", O_WRONLY | O_CREAT, 0o644)
        XCTAssertGreaterThanOrEqual(fd, 0)
        let half = Array(#"{"receiverHerIds": ["#.utf8)
        XCTAssertEqual(half.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }, half.count)
        try await until("the write is seen") { watcher.namesBeingWritten.contains(Self.slow) }
        close(fd)
        try await until("the close is seen") { !watcher.namesBeingWritten.contains(Self.slow) }
    }

    private func until(_ what: String, _ condition: @escaping @Sendable () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(10))
        }
    }
}
