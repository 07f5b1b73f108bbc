@testable import DropFolder
import DropbridgeCore
import Foundation
import Glibc
import XCTest

final class ClaimAreaTests: XCTestCase {
    struct Setup {
        let root: TempDirectory
        let outbox: String
        let sent: String
        let failed: String
        let area: ClaimArea
    }

    func makeSetup() throws -> Setup {
        let root = try TempDirectory()
        let config = BridgeConfig(root: root.path)
        try FolderLayout.prepare(config.folderSettings)
        return Setup(root: root, outbox: config.folders.outbox, sent: config.folders.sent, failed: config.folders.failed, area: ClaimArea(settings: config.folderSettings))
    }

    func dropPair(_ s: Setup, _ name: String) throws -> [OutboxEntry] {
        s.root.write("<doc/>", to: s.outbox, name: name + ".xml")
        s.root.write("{}", to: s.outbox, name: name + ".json")
        return try OutboxScanner(directory: s.outbox).scan().filter { $0.dropName == DropName(name) }
    }

    func testClaimMovesBothAndReleaseMovesThemOut() throws {
        let s = try makeSetup()
        let files = try dropPair(s, "brev")
        // Given sidecar-first on purpose: the claim still moves the document first.
        let claim = try s.area.claim(name: DropName("brev"), files: files.reversed(), from: s.outbox, claimId: "17")
        XCTAssertEqual(claim.kinds, [.document, .sidecar])
        XCTAssertEqual(entries(s.outbox), [])
        XCTAssertEqual(readString(claim.path(of: .document) ?? ""), "<doc/>")
        XCTAssertEqual(try s.area.release("17", to: s.sent, as: "brev"), "brev")
        XCTAssertEqual(entries(s.sent), ["brev.json", "brev.xml"])
        XCTAssertFalse(exists(claim.directory))
        XCTAssertEqual(try s.area.recover(outbox: s.outbox), [])
    }

    func testCrashBetweenTheTwoMovesIsFinishedByRecover() throws {
        let s = try makeSetup()
        let files = try dropPair(s, "brev")
        let claim = try s.area.claim(name: DropName("brev"), files: files, from: s.outbox, claimId: "5")
        // The state a crash after the first move leaves: the sidecar still in the outbox.
        XCTAssertEqual(rename(claim.directory + "/sidecar.json", s.outbox + "/brev.json"), 0)
        let recovered = try s.area.recover(outbox: s.outbox)
        XCTAssertEqual(recovered.count, 1)
        XCTAssertEqual(recovered.first?.claimId, "5")
        XCTAssertEqual(recovered.first?.name, DropName("brev"))
        XCTAssertEqual(recovered.first?.kinds, [.document, .sidecar])
        XCTAssertEqual(entries(s.outbox), [])
        XCTAssertEqual(readString(claim.directory + "/sidecar.json"), "{}")
    }

    func testRecoverRemovesAClaimDirectoryLeftEmptyByACrash() throws {
        let s = try makeSetup()
        let empty = s.area.directory(of: "9")
        XCTAssertEqual(mkdir(empty, 0o700), 0)
        XCTAssertEqual(try s.area.recover(outbox: s.outbox), [])
        XCTAssertFalse(exists(empty))
    }

    func testReleaseOntoATakenNamePicksTilde2() throws {
        let s = try makeSetup()
        s.root.write("older", to: s.failed, name: "brev.xml")
        let files = try dropPair(s, "brev")
        try s.area.claim(name: DropName("brev"), files: files, from: s.outbox, claimId: "1")
        XCTAssertEqual(try s.area.release("1", to: s.failed, as: "brev"), "brev~2")
        XCTAssertEqual(readString(s.failed + "/brev.xml"), "older")
        XCTAssertEqual(readString(s.failed + "/brev~2.xml"), "<doc/>")
        XCTAssertEqual(readString(s.failed + "/brev~2.json"), "{}")
    }

    func testInvalidNameIsReleasedUnderItsSafeName() throws {
        let s = try makeSetup()
        let raw: [UInt8] = [0x62, 0xFF]
        XCTAssertTrue(s.root.write("<doc/>", to: s.outbox, rawName: raw + Array(".xml".utf8)))
        let files = try OutboxScanner(directory: s.outbox).scan()
        let name = DropName(bytes: raw)
        try s.area.claim(name: name, files: files, from: s.outbox, claimId: "2")
        XCTAssertEqual(try s.area.release("2", to: s.failed, as: name.safe), "b%FF")
        XCTAssertEqual(entries(s.failed), ["b%FF.xml"])
    }

    func testReturnToOutboxRestoresTheOriginalNames() throws {
        let s = try makeSetup()
        let files = try dropPair(s, "tilbake")
        try s.area.claim(name: DropName("tilbake"), files: files, from: s.outbox, claimId: "3")
        try s.area.returnToOutbox("3", outbox: s.outbox)
        XCTAssertEqual(entries(s.outbox), ["tilbake.json", "tilbake.xml"])
        XCTAssertNil(try s.area.claimed("3"))
    }

    func testClaimOfAVanishedFileGivesBackWhatWasTaken() throws {
        let s = try makeSetup()
        let files = try dropPair(s, "borte")
        XCTAssertEqual(unlink(s.outbox + "/borte.json"), 0)
        XCTAssertThrowsError(try s.area.claim(name: DropName("borte"), files: files, from: s.outbox, claimId: "4")) { error in
            guard case .notFound = error as? DurableFileError else { return XCTFail("\(error)") }
        }
        XCTAssertEqual(entries(s.outbox), ["borte.xml"])
        XCTAssertFalse(exists(s.area.directory(of: "4")))
    }
}

final class FolderLayoutTests: XCTestCase {
    func testCreatesMissingFoldersWithTheirModesWhateverTheUmask() throws {
        let root = try TempDirectory()
        let old = umask(0o077)
        defer { umask(old) }
        let config = BridgeConfig(root: root.path + "/nested")
        try FolderLayout.prepare(config.folderSettings)
        for folder in FolderLayout.folders(of: config.folderSettings) {
            var info = stat()
            XCTAssertEqual(stat(folder.path, &info), 0, folder.path)
            let expected: mode_t =
                switch folder.key {
                case "folders.outbox": 0o2770  // the producers' group drops files here
                case "state", "state/tmp", "state/work": 0o700
                default: 0o2750
                }
            XCTAssertEqual(info.st_mode & 0o7777, expected, folder.key)
        }
        var info = stat()
        XCTAssertEqual(stat(config.root, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o2750, "a missing parent gets folderMode")
    }

    func testFolderModeIsConfigurableAndOutboxGetsGroupWrite() throws {
        let root = try TempDirectory()
        var config = BridgeConfig(root: root.path)
        config.folderMode = 0o750
        try FolderLayout.prepare(config.folderSettings)
        var info = stat()
        XCTAssertEqual(stat(config.folders.sent, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o750)
        XCTAssertEqual(stat(config.folders.outbox, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o770)
    }

    /// An operator's folder (its mode, setgid bit and group) is never changed.
    func testAnExistingFolderKeepsItsModeAndGroup() throws {
        let root = try TempDirectory()
        let config = BridgeConfig(root: root.path)
        let outbox = try root.sub("outbox")
        XCTAssertEqual(chown(outbox, uid_t.max, 100), 0)
        XCTAssertEqual(chmod(outbox, 0o3775), 0)
        try FolderLayout.prepare(config.folderSettings)
        var info = stat()
        XCTAssertEqual(stat(outbox, &info), 0)
        XCTAssertEqual(info.st_mode & 0o7777, 0o3775)
        XCTAssertEqual(info.st_gid, 100)
    }

    /// A folder made inside a setgid folder gets that folder's group (and stays setgid).
    func testAFolderMadeInASetgidFolderInheritsItsGroup() throws {
        let root = try TempDirectory()
        XCTAssertEqual(chown(root.path, uid_t.max, 65534), 0)
        XCTAssertEqual(chmod(root.path, 0o2770), 0)
        let config = BridgeConfig(root: root.path)
        try FolderLayout.prepare(config.folderSettings)
        var info = stat()
        XCTAssertEqual(stat(config.folders.receipts, &info), 0)
        XCTAssertEqual(info.st_gid, 65534)
        XCTAssertEqual(info.st_mode & 0o7777, 0o2750)
    }

    func testRefusesFoldersOnDifferentFilesystemsNamingBoth() throws {
        let root = try TempDirectory()
        var config = BridgeConfig(root: root.path)
        let shm = "/dev/shm/dropfolder-test-\(getpid())"
        var here = stat(), there = stat()
        guard mkdir(shm, 0o700) == 0 || errno == EEXIST, stat(root.path, &here) == 0, stat(shm, &there) == 0,
              here.st_dev != there.st_dev else {
            throw XCTSkip("no second filesystem available")
        }
        defer { rmdir(shm) }
        config.folders.failed = shm
        XCTAssertThrowsError(try FolderLayout.prepare(config.folderSettings)) { error in
            guard case let .differentFilesystems(first, _, second, _)? = error as? FolderLayoutError else {
                return XCTFail("\(error)")
            }
            XCTAssertEqual(first, "folders.outbox")
            XCTAssertEqual(second, "folders.failed")
        }
    }

    func testAFileWhereAFolderShouldBeIsRefused() throws {
        let root = try TempDirectory()
        root.write("x", to: root.path, name: "outbox")
        XCTAssertThrowsError(try FolderLayout.prepare(BridgeConfig(root: root.path).folderSettings)) { error in
            XCTAssertEqual(error as? FolderLayoutError, .notADirectory(key: "folders.outbox", path: root.path + "/outbox"))
        }
    }
}

final class ClaimManifestFailureTests: XCTestCase {
    func testAManifestThatCannotBeWrittenLeavesNoEmptyClaimBehind() throws {
        let root = try TempDirectory()
        let config = BridgeConfig(root: root.path)
        try FolderLayout.prepare(config.folderSettings)
        root.write("<doc/>", to: config.folders.outbox, name: "full.xml")
        let files = try OutboxScanner(directory: config.folders.outbox).scan()
        // The temp directory is gone, as good as a full disk for the manifest's temp file.
        let area = ClaimArea(
            workDirectory: config.state.work, durable: DurableFiles(tempDirectory: root.path + "/no-such-tmp"))

        XCTAssertThrowsError(try area.claim(name: DropName("full"), files: files, from: config.folders.outbox, claimId: "d9"))

        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: config.state.work), [])
        XCTAssertTrue(FileManager.default.fileExists(atPath: config.folders.outbox + "/full.xml"))
    }
}
