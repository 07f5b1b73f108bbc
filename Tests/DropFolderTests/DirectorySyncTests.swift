@testable import DropFolder
import Foundation
import SystemPackage
import XCTest

/// Group fsync of directories: callers share an fsync only when it started after they arrived.
final class DirectorySyncStateTests: XCTestCase {
    func testALoneCallerRunsItsOwnFsync() {
        var state = DirectorySyncState()
        let needed = state.arrive("/d")
        XCTAssertEqual(state.next("/d", needed: needed), .sync(generation: 1))
        state.finish("/d", generation: 1, errno: nil)
        XCTAssertEqual(state.next("/d", needed: needed), .done(errno: nil))
        state.leave("/d", needed: needed)
        XCTAssertTrue(state.folders.isEmpty, "nothing kept once nobody waits")
    }

    func testCallersArrivingDuringAnFsyncShareTheNextOneNotTheRunningOne() {
        var state = DirectorySyncState()
        let first = state.arrive("/d")
        XCTAssertEqual(state.next("/d", needed: first), .sync(generation: 1))
        // Two renames finish while generation 1 runs: it may have started before them.
        let second = state.arrive("/d")
        let third = state.arrive("/d")
        XCTAssertEqual(state.next("/d", needed: second), .wait)
        state.finish("/d", generation: 1, errno: nil)
        XCTAssertEqual(state.next("/d", needed: first), .done(errno: nil))
        XCTAssertEqual(state.next("/d", needed: second), .sync(generation: 2), "not covered by generation 1")
        XCTAssertEqual(state.next("/d", needed: third), .wait)
        state.finish("/d", generation: 2, errno: nil)
        XCTAssertEqual(state.next("/d", needed: third), .done(errno: nil), "one fsync for both")
        for needed in [first, second, third] { state.leave("/d", needed: needed) }
        XCTAssertTrue(state.folders.isEmpty)
    }

    func testEveryCallerCoveredByAFailedFsyncSeesItsError() {
        var state = DirectorySyncState()
        let first = state.arrive("/d")
        let second = state.arrive("/d")
        XCTAssertEqual(state.next("/d", needed: first), .sync(generation: 1))
        state.finish("/d", generation: 1, errno: EIO)
        XCTAssertEqual(state.next("/d", needed: first), .done(errno: EIO))
        state.leave("/d", needed: first)
        XCTAssertEqual(state.next("/d", needed: second), .done(errno: EIO), "kept until its last waiter left")
        state.leave("/d", needed: second)
        // A later caller needs a fresh fsync.
        let third = state.arrive("/d")
        XCTAssertEqual(state.next("/d", needed: third), .sync(generation: 1))
    }

    func testDirectoriesAreIndependent() {
        var state = DirectorySyncState()
        let a = state.arrive("/a")
        let b = state.arrive("/b")
        XCTAssertEqual(state.next("/a", needed: a), .sync(generation: 1))
        XCTAssertEqual(state.next("/b", needed: b), .sync(generation: 1), "another folder's fsync does not wait")
    }
}

final class DirectorySyncsTests: XCTestCase {
    func testConcurrentCallersAllReturnSyncedAndNeverMoreFsyncsThanCallers() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dirsync-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let syncs = DirectorySyncs()
        let callers = 16
        let before = SyncCounter.shared.counts
        let failures = Atomic16()
        DispatchQueue.concurrentPerform(iterations: callers) { index in
            do {
                _ = FileManager.default.createFile(atPath: folder + "/file-\(index)", contents: Data())
                let fd = try FileDescriptor.open(FilePath(folder), .readOnly, options: [.directory])
                defer { try? fd.close() }
                try syncs.sync(fd, path: folder)
            } catch {
                failures.increment()
            }
        }
        XCTAssertEqual(failures.value, 0)
        let directories = (SyncCounter.shared.counts - before).directories
        XCTAssertGreaterThanOrEqual(directories, 1)
        XCTAssertLessThanOrEqual(directories, callers)
    }
}

/// A tiny thread-safe counter for the test above.
private final class Atomic16: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() { lock.withLock { count += 1 } }
    var value: Int { lock.withLock { count } }
}
