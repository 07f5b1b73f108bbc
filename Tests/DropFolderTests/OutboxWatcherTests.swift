@testable import DropFolder
import CLinuxSys
import DropbridgeCore
import Foundation
import Glibc
import XCTest

final class OutboxWatcherTests: XCTestCase {
    /// The first wake-up satisfying `match`, or nil after `seconds`.
    private func firstWakeUp(
        _ watcher: OutboxWatcher, within seconds: Double, where match: @escaping @Sendable (OutboxWakeUp) -> Bool
    ) async -> OutboxWakeUp? {
        await withTaskGroup(of: OutboxWakeUp?.self) { group in
            group.addTask {
                for await wakeUp in watcher.wakeUps where match(wakeUp) { return wakeUp }
                return nil
            }
            group.addTask {
                try? await Task.sleep(for: .seconds(seconds))
                return nil
            }
            let first = await group.next() ?? nil
            group.cancelAll()
            watcher.cancel()
            return first
        }
    }

    func testRenameIntoTheOutboxWakesWithTheName() async throws {
        let root = try TempDirectory()
        let outbox = try root.sub("outbox")
        let staging = try root.sub("staging")
        let watcher = try OutboxWatcher(directory: outbox, mode: .on)
        XCTAssertEqual(watcher.method, .inotify)
        root.write("<a/>", to: staging, name: "brev.xml")
        XCTAssertEqual(rename(staging + "/brev.xml", outbox + "/brev.xml"), 0)
        let wakeUp = await firstWakeUp(watcher, within: 10) {
            if case .changed = $0 { true } else { false }
        }
        guard case let .changed(names, renamedIn)? = wakeUp else { return XCTFail("no wake-up: \(String(describing: wakeUp))") }
        XCTAssertEqual(names, [Array("brev.xml".utf8)])
        XCTAssertEqual(renamedIn, [Array("brev.xml".utf8)])
    }

    func testABurstIsCoalesced() async throws {
        let root = try TempDirectory()
        let outbox = try root.sub("outbox")
        let watcher = try OutboxWatcher(directory: outbox, mode: .on, quiet: .milliseconds(200), maxDelay: .seconds(5))
        for i in 0..<300 { root.write("x", to: outbox, name: "f\(i).json") }
        // Everything up to a quiet period is one wake-up holding every name.
        let wakeUp = await firstWakeUp(watcher, within: 10) { _ in true }
        guard case let .changed(names, _)? = wakeUp else { return XCTFail("\(String(describing: wakeUp))") }
        XCTAssertEqual(Set(names).count, 300)
    }

    func testOverflowEventBecomesOverflowWakeUp() {
        // Provoking a real IN_Q_OVERFLOW needs 16,384 unread events; the parser and folding are
        // tested with the bytes the kernel sends instead.
        let bytes = InotifyEvent.encode([
            InotifyEvent(watch: 1, mask: UInt32(IN_CREATE), cookie: 0, name: Array("a.xml".utf8)),
            InotifyEvent(watch: -1, mask: UInt32(IN_Q_OVERFLOW), cookie: 0, name: []),
        ])
        let events = bytes.withUnsafeBytes { InotifyEvent.parse($0) }
        XCTAssertEqual(events.count, 2)
        XCTAssertEqual(events[0].name, Array("a.xml".utf8))
        var accumulator = WakeUpAccumulator()
        events.forEach { accumulator.add($0) }
        XCTAssertEqual(accumulator.drain(), [.overflow])
        XCTAssertTrue(accumulator.isEmpty)
    }

    func testDeletedOutboxIsReportedAndPollingTakesOver() async throws {
        let root = try TempDirectory()
        let outbox = try root.sub("outbox")
        let watcher = try OutboxWatcher(directory: outbox, mode: .on, pollInterval: .milliseconds(100))
        XCTAssertEqual(rmdir(outbox), 0)
        let gone = await firstWakeUp(watcher, within: 10) { $0 == .folderGone }
        XCTAssertEqual(gone, .folderGone)
    }

    func testOffModeTicks() async throws {
        let root = try TempDirectory()
        let watcher = try OutboxWatcher(directory: try root.sub("outbox"), mode: .off, pollInterval: .milliseconds(50))
        guard case .polling = watcher.method else { return XCTFail() }
        let tick = await firstWakeUp(watcher, within: 10) { _ in true }
        XCTAssertEqual(tick, .tick)
    }

    func testModeOnFailsForAMissingFolderAndAutoFallsBack() throws {
        XCTAssertThrowsError(try OutboxWatcher(directory: "/nonexistent/outbox", mode: .on))
        let watcher = try OutboxWatcher(directory: "/nonexistent/outbox", mode: .auto)
        defer { watcher.cancel() }
        guard case .polling = watcher.method else { return XCTFail("\(watcher.method)") }
    }

    func testNetworkFilesystemMagicNumbers() {
        XCTAssertEqual(NetworkFilesystem.name(forMagic: 0x6969), "NFS")
        XCTAssertEqual(NetworkFilesystem.name(forMagic: 0xFF53_4D42), "CIFS")
        XCTAssertNil(NetworkFilesystem.name(forMagic: 0xEF53))  // ext4
        XCTAssertNotNil(NetworkFilesystem.filesystemType(of: "/"), "statfs works here")
        XCTAssertNil(NetworkFilesystem.kind(of: FileManager.default.temporaryDirectory.path))
    }
}
