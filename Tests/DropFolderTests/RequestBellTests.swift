@testable import DropFolder
import Foundation
import Synchronization
import XCTest

/// The request bell: a command's ring reaches the daemon's watcher at once; other files in the
/// same folder do not ring it.
final class RequestBellTests: XCTestCase {
    func testARingIsHeardAndOtherFilesInTheFolderAreNot() async throws {
        let dir = try TempDirectory("bell")
        let path = dir.path + "/requests"
        let heard = Mutex(0)
        let bell = RequestBell(path: path) { heard.withLock { $0 += 1 } }
        defer { bell.cancel() }
        XCTAssertTrue(bell.isWatching)

        dir.write("x", to: dir.path, name: "ledger.sqlite-wal")
        RequestBell.ring(path)
        try await waitFor { heard.withLock { $0 } >= 1 }
        XCTAssertEqual(bell.ringCount, 1, "only the bell's own name rings it")
        XCTAssertTrue(FileManager.default.fileExists(atPath: path), "the first ring makes the file")

        RequestBell.ring(path)
        // The ring is counted before the handler hears it: wait for the later of the two.
        try await waitFor { heard.withLock { $0 } >= 2 }
        XCTAssertEqual(bell.ringCount, 2)
        XCTAssertEqual(heard.withLock { $0 }, 2)
    }

    func testAFolderThatCannotBeWatchedSaysSoAndRingingItIsHarmless() {
        let bell = RequestBell(path: "/nonexistent-\(UUID().uuidString)/requests") {}
        XCTAssertFalse(bell.isWatching)
        RequestBell.ring("/nonexistent-\(UUID().uuidString)/requests")
        XCTAssertEqual(bell.ringCount, 0)
    }

    private func waitFor(_ condition: () -> Bool, within seconds: Double = 5) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while !condition() {
            guard Date() < deadline else { return XCTFail("not within \(seconds) s") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }
}
