import Foundation
import Glibc
@testable import Ledger
import XCTest

final class LedgerDurabilityTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// GRDB's WAL set-up would leave the writer at NORMAL (1): a commit could be lost on power loss.
    func testTheWriterCommitsWithSynchronousFull() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        XCTAssertEqual(try ledger.writerSynchronous(), 2)
        _ = try await ledger.reserve(originalName: "a", files: ["a.xml"], channel: "nhn", now: 1) { _ in "a" }
        XCTAssertEqual(try ledger.writerSynchronous(), 2, "still FULL after group-committed writes")
        // A second opening (as `dropbridge status` does) gets FULL as well.
        let again = try Ledger(path: folder + "/ledger.sqlite")
        XCTAssertEqual(try again.writerSynchronous(), 2)
    }

    /// The ledger, its WAL and its SHM are 0600 even under a permissive umask; the WAL and SHM
    /// are created lazily by SQLite, after `Ledger.init`.
    func testLedgerFilesAreOwnerOnlyWhateverTheUmask() async throws {
        let old = umask(0)
        defer { umask(old) }
        let path = folder + "/ledger.sqlite"
        let ledger = try Ledger(path: path)
        _ = try await ledger.reserve(originalName: "a", files: ["a.xml"], channel: "nhn", now: 1) { _ in "a" }
        _ = try ledger.summary()
        for file in [path, path + "-wal", path + "-shm"] {
            var info = stat()
            XCTAssertEqual(stat(file, &info), 0, "\(file) exists")
            XCTAssertEqual(info.st_mode & 0o777, 0o600, file)
        }
    }

    /// A ledger left 0644 by an older version is narrowed on the next start.
    func testAnExistingWiderLedgerIsNarrowed() throws {
        let path = folder + "/ledger.sqlite"
        _ = try Ledger(path: path)
        XCTAssertEqual(chmod(path, 0o644), 0)
        if access(path + "-wal", F_OK) == 0 { XCTAssertEqual(chmod(path + "-wal", 0o644), 0) }
        _ = try Ledger(path: path)
        for file in [path, path + "-wal"] where access(file, F_OK) == 0 {
            var info = stat()
            XCTAssertEqual(stat(file, &info), 0)
            XCTAssertEqual(info.st_mode & 0o777, 0o600, file)
        }
    }
}
