import Foundation
import Glibc
import Ledger
import XCTest

/// Commands run by another user than the ledger's owner (an operator as root): reading commands
/// work and leave no file behind; changing ones refuse (exit 77) instead of creating root-owned
/// ledger files that would lock the daemon out.
final class LedgerOwnerCommandTests: XCTestCase {
    func testAnotherUsersLedgerIsReadButNeverWritten() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("owner-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledgerPath = root + "/.dropbridge/ledger.sqlite"
        let ledger = try Ledger(path: ledgerPath)
        _ = try await ledger.reserve(originalName: "a", files: ["d.xml"], channel: "nhn", now: Date().timeIntervalSince1970) { _ in "a" }
        try ledger.close()
        let nobody: uid_t = 65534
        for path in [root + "/.dropbridge", ledgerPath] { XCTAssertEqual(chown(path, nobody, nobody), 0) }
        let config = root + "/dropbridge.yaml"
        try "root: \(root)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let before = try FileManager.default.contentsOfDirectory(atPath: root + "/.dropbridge").sorted()

        let status = try CommandLineTests.dropbridge(["status", "--config", config])
        XCTAssertEqual(status.status, 0, status.error)
        XCTAssertTrue(status.output.contains("claimed"), status.output)
        let show = try CommandLineTests.dropbridge(["show", "--config", config, "a"])
        XCTAssertEqual(show.status, 0, show.error)
        for command in [["pause"], ["release", "a"], ["retry", "--now", "a"], ["retry", "a"]] {
            let run = try CommandLineTests.dropbridge([command[0], "--config", config] + command.dropFirst())
            XCTAssertEqual(run.status, 77, "\(command): \(run.error)")
            XCTAssertTrue(run.error.contains("belongs to uid 65534") && run.error.contains("sudo -u"), run.error)
        }
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/.dropbridge").sorted(), before, "no file created")
    }

    /// An operator without access to `.dropbridge/` (0700, the daemon's user's) is told whose it
    /// is and how to run as them, with exit 77 (no permission), by reading and changing commands.
    func testAUserWhoMayNotReadTheLedgerIsToldWhoMay() async throws {
        let setpriv = "/usr/bin/setpriv"
        guard geteuid() == 0, FileManager.default.isExecutableFile(atPath: setpriv) else { throw XCTSkip("needs root and setpriv") }
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("denied-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        XCTAssertEqual(chmod(root, 0o755), 0)
        XCTAssertEqual(chmod(root + "/.dropbridge", 0o700), 0)
        let ledger = try Ledger(path: root + "/.dropbridge/ledger.sqlite")
        try ledger.close()
        let config = root + "/dropbridge.yaml"
        try "root: \(root)\n".write(toFile: config, atomically: true, encoding: .utf8)
        XCTAssertEqual(chmod(config, 0o644), 0)

        for command in [["status"], ["show", "a"], ["release", "a"]] {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: setpriv)
            process.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", try DropbridgeBinary.path(), command[0], "--config", config] + command.dropFirst()
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = Pipe()
            try process.run()
            let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            // The build folder may not be open to nobody (a home directory): nothing to learn then.
            if text.hasPrefix("setpriv:") { throw XCTSkip("nobody cannot run the binary here: \(text)") }
            XCTAssertEqual(process.terminationStatus, 77, "\(command): \(text)")
            XCTAssertTrue(text.contains("sudo -u root"), "\(command): \(text)")
        }
    }
}
