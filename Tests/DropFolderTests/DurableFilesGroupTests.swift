@testable import DropFolder
import DropbridgeCore
import Foundation
import Glibc
import XCTest

/// Outputs get their folder's group, and "exists" can be made durable (tests run as root, so
/// a folder can be given to another group).
final class DurableFilesGroupTests: XCTestCase {
    private func gid(_ path: String) -> gid_t? {
        var info = stat()
        return stat(path, &info) == 0 ? info.st_gid : nil
    }

    /// A file renamed from `.dropbridge/tmp/` would keep the temp file's group; the folder's
    /// group (what an operator set up with setgid) is what the producers can read.
    func testCreatedAndReplacedFilesGetTheTargetFoldersGroup() throws {
        let root = try TempDirectory()
        let tmp = try root.sub(".dropbridge/tmp")
        let receipts = try root.sub("receipts")
        XCTAssertEqual(chown(receipts, uid_t.max, 65534), 0)
        XCTAssertEqual(chmod(receipts, 0o2750), 0)
        XCTAssertNotEqual(gid(tmp), 65534)
        let files = DurableFiles(tempDirectory: tmp, fileMode: 0o640)
        try files.create(Array("a".utf8), in: receipts, named: "brev.sent.json")
        try files.replace(Array("b".utf8), in: receipts, named: "brev.status.json")
        for name in ["brev.sent.json", "brev.status.json"] {
            XCTAssertEqual(gid(receipts + "/" + name), 65534, name)
            var info = stat()
            XCTAssertEqual(stat(receipts + "/" + name, &info), 0)
            XCTAssertEqual(info.st_mode & 0o7777, 0o640, "the mode is set after the group")
        }
    }

    func testSyncExistingFsyncsTheFileAndItsFolder() throws {
        let root = try TempDirectory()
        let tmp = try root.sub("tmp")
        let inbox = try root.sub("inbox")
        root.write("<x/>", to: inbox, name: "m.xml")
        let files = DurableFiles(tempDirectory: tmp)
        let before = SyncCounter.shared.counts
        try files.syncExisting("m.xml", in: inbox)
        XCTAssertEqual(SyncCounter.shared.counts - before, SyncCounter.Counts(files: 1, directories: 1))
        XCTAssertThrowsError(try files.syncExisting("gone.xml", in: inbox)) { error in
            XCTAssertEqual(error as? DurableFileError, .notFound(path: inbox + "/gone.xml"))
        }
    }

    /// The counter the bench reads: a create is one file and one folder fsync.
    func testACreateCostsOneFileAndOneFolderFsync() throws {
        let root = try TempDirectory()
        let files = DurableFiles(tempDirectory: try root.sub("tmp"))
        let sent = try root.sub("sent")
        let before = SyncCounter.shared.counts
        try files.create(Array("x".utf8), in: sent, named: "a.json")
        XCTAssertEqual(SyncCounter.shared.counts - before, SyncCounter.Counts(files: 1, directories: 1))
    }

    /// Folders made after start-up (`receipts/unmatched/`) are made like the others.
    func testEnsureFolderUsesTheFolderModeAndTheParentsGroup() throws {
        let root = try TempDirectory()
        let receipts = try root.sub("receipts")
        XCTAssertEqual(chown(receipts, uid_t.max, 100), 0)
        XCTAssertEqual(chmod(receipts, 0o2750), 0)
        let old = umask(0o077)
        defer { umask(old) }
        let files = DurableFiles(tempDirectory: try root.sub("tmp"), folderMode: 0o2750)
        try files.ensureFolder(receipts + "/unmatched", key: "receipts/unmatched")
        var info = stat()
        XCTAssertEqual(stat(receipts + "/unmatched", &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o2750)
        XCTAssertEqual(info.st_gid, 100)
        // There already (perhaps from a run cut short before its parent fsync): synced again.
        let before = SyncCounter.shared.counts
        try files.ensureFolder(receipts + "/unmatched", key: "receipts/unmatched")
        XCTAssertEqual((SyncCounter.shared.counts - before).directories, 1)
    }
}
