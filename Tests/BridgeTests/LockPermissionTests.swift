import Foundation
import Glibc
import XCTest

/// The built `dropbridge` run as an unprivileged user against a root whose lock file it may
/// not open: it must say so, not claim that another dropbridge is running.
final class LockPermissionTests: XCTestCase {
    func testALockFileItCannotOpenIsReportedAsPermissionDenied() throws {
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else {
            throw XCTSkip("needs root and setpriv to run dropbridge as another user")
        }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("lock-eacces-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Every folder exists and is usable by anyone; only the lock file is root's own.
        for folder in ["", "/outbox", "/inbox", "/receipts", "/sent", "/failed", "/.dropbridge", "/.dropbridge/tmp", "/.dropbridge/work"] {
            try FileManager.default.createDirectory(atPath: root + folder, withIntermediateDirectories: true)
            XCTAssertEqual(chmod(root + folder, 0o777), 0)
        }
        XCTAssertTrue(FileManager.default.createFile(atPath: root + "/.dropbridge/lock", contents: nil, attributes: [.posixPermissions: 0o600]))
        let config = root + "/dropbridge.yaml"
        try """
        root: \(root)
        schemas: { directory: \(BridgeHarness.samples)/schemas }
        nhn: { baseURL: "http://127.0.0.1:9", receive: "off" }
        helseid: { enabled: false }
        """.write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(config, 0o644), 0)

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try DropbridgeBinary.path(), "run", "--config", config]
        let error = Pipe()
        process.standardError = error
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let text = String(decoding: error.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 69, text)
        XCTAssertTrue(text.contains("Permission denied"), text)
        XCTAssertTrue(text.contains(root + "/.dropbridge/lock"), text)
        XCTAssertFalse(text.contains("another dropbridge"), text)
    }
}
