@testable import Bridge
import Foundation
import Glibc
import Simulator
import Synchronization
import XCTest

/// A unix datagram socket standing in for systemd's notify socket: collects every datagram.
final class NotifySocketListener: @unchecked Sendable {
    let address: String
    private let fd: Int32
    private let received = Mutex<[String]>([])
    private let stopped = Mutex(false)
    private var thread: Thread?

    /// `abstract`: `@name` in the abstract namespace; otherwise a socket file in `folder`.
    init(abstract: Bool, folder: String) throws {
        address = abstract ? "@dropbridge-test-\(UUID().uuidString)" : folder + "/notify.sock"
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw POSIXError(.EIO) }
        var bytes = Array(address.utf8)
        if abstract { bytes[0] = 0 }
        var socketAddress = sockaddr_un()
        socketAddress.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &socketAddress.sun_path) { $0.copyBytes(from: bytes) }
        let length = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &socketAddress) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) }
        }
        guard bound == 0 else { throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EIO) }
        var timeout = timeval(tv_sec: 0, tv_usec: 100_000)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            while !stopped.withLock({ $0 }) {
                let count = recv(fd, &buffer, buffer.count, 0)
                if count > 0 { received.withLock { $0.append(String(decoding: buffer[0..<count], as: UTF8.self)) } }
            }
        }
        self.thread = thread
        thread.start()
    }

    var messages: [String] { received.withLock { $0 } }

    func stop() {
        stopped.withLock { $0 = true }
        Thread.sleep(forTimeInterval: 0.2)
        close(fd)
    }
}

final class SystemdNotifyTests: XCTestCase {
    func testTheNotifierSpeaksToAPathAndAnAbstractSocketAndRefusesOtherAddresses() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for abstract in [false, true] {
            let listener = try NotifySocketListener(abstract: abstract, folder: folder)
            defer { listener.stop() }
            let notifier = try SystemdNotifier(environment: ["NOTIFY_SOCKET": listener.address])
            XCTAssertTrue(notifier.isEnabled)
            try notifier.notify("READY=1\nSTATUS=ok")
            try await DaemonFixture.waitUntil("the datagram arrives", timeout: .seconds(5)) { listener.messages == ["READY=1\nSTATUS=ok"] }
        }
        XCTAssertFalse(try SystemdNotifier(environment: [:]).isEnabled)
        try SystemdNotifier(environment: [:]).notify("READY=1")  // nothing to do, no error
        XCTAssertThrowsError(try SystemdNotifier(environment: ["NOTIFY_SOCKET": "relative/path"]))
        XCTAssertThrowsError(try SystemdNotifier(environment: ["NOTIFY_SOCKET": "/" + String(repeating: "x", count: 200)]))
        XCTAssertEqual(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000"]), .seconds(30))
        XCTAssertNil(SystemdNotifier.watchdogInterval(environment: ["WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"]), "meant for another process")
        XCTAssertNil(SystemdNotifier.watchdogInterval(environment: [:]))
    }

    /// The daemon as systemd runs it: READY, WATCHDOG pings, SIGHUP survived, STOPPING.
    func testTheDaemonSpeaksTheNotifyProtocolAndSurvivesSIGHUP() async throws {
        let fixture = try await DaemonFixture(
            "systemd", settings: SimulatorSettings(ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId]))
        addTeardownBlock { await fixture.shutdown() }
        try await fixture.writeConfig(nhn: #"senderHerId: 8143060, receive: "off""#)
        let listener = try NotifySocketListener(abstract: true, folder: fixture.base)
        defer { listener.stop() }
        try fixture.start(logLevel: "info", environment: ["NOTIFY_SOCKET": listener.address, "WATCHDOG_USEC": "400000"])
        try await fixture.waitUntil("READY=1 and then watchdog pings", timeout: .seconds(20)) {
            listener.messages.first?.hasPrefix("READY=1") == true && listener.messages.filter { $0 == "WATCHDOG=1" }.count >= 2
        }
        XCTAssertTrue(listener.messages[0].contains("MAINPID="), listener.messages[0])

        let pid = try XCTUnwrap(fixture.daemonPID)
        kill(pid, SIGHUP)
        try await fixture.waitUntil("the hangup is logged", timeout: .seconds(10)) { fixture.logs().contains("SIGHUP ignored") }
        XCTAssertTrue(fixture.isRunning, "SIGHUP does not stop it")
        XCTAssertFalse(listener.messages.contains { $0.hasPrefix("STOPPING=1") })

        let exit = try await fixture.terminate()
        XCTAssertEqual(exit, 0)
        try await DaemonFixture.waitUntil("STOPPING=1", timeout: .seconds(5)) { listener.messages.contains { $0.hasPrefix("STOPPING=1") } }
    }
}

/// `config/dropbridge.service`: the directives the README's install recipe relies on, and
/// `systemd-analyze verify` without a complaint where it exists.
final class SystemdUnitTests: XCTestCase {
    func testTheUnitFileHasItsHardeningAndVerifies() throws {
        let unit = try String(contentsOfFile: BridgeHarness.projectDirectory + "/config/dropbridge.service", encoding: .utf8)
        let lines = Set(unit.split(separator: "\n").map(String.init))
        for directive in [
            "Type=notify", "WatchdogSec=60", "User=dropbridge", "SupplementaryGroups=epj", "UMask=0027", "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/dropbridge", "NoNewPrivileges=yes", "PrivateTmp=yes", "RestartPreventExitStatus=64 78",
            "KillSignal=SIGTERM",
        ] {
            XCTAssertTrue(lines.contains(directive), directive)
        }
        XCTAssertFalse(lines.contains("RestrictSUIDSGID=yes"), "the folders are setgid by design")

        let analyze = "/usr/bin/systemd-analyze"
        guard FileManager.default.isExecutableFile(atPath: analyze) else { throw XCTSkip("no systemd-analyze here") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("unit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        // verify wants ExecStart's binary to exist: the one just built stands in for /usr/local/bin's.
        try unit.replacingOccurrences(of: "/usr/local/bin/dropbridge", with: try DropbridgeBinary.path())
            .write(toFile: folder + "/dropbridge.service", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: analyze)
        process.arguments = ["verify", folder + "/dropbridge.service"]
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = errors
        try process.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertFalse(output.contains("dropbridge.service"), "no warning about the unit: \(output)")
    }
}
