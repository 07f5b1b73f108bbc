import Foundation
import Ledger
import Logging
import Simulator
import XCTest

/// SIGKILL at a random instant while 200 drops are sent, then a restart: every drop ends in
/// `sent/` exactly once, nothing stays in the work area, and the simulator saw every MsgId.
final class CrashRestartTests: XCTestCase {
    func testSigkillDuringA200DropBurstLosesNothing() async throws {
        let binary = try DropbridgeBinary.path()
        let simulator = NHNSimulator(
            settings: SimulatorSettings(
                ownHerIds: [8143060], counterpartyHerIds: [8094866],
                faults: FaultSettings(latencyMilliseconds: 3)),
            logger: Logger(label: "test.simulator"))
        let port = try await simulator.start()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dropbridge-kill-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/outbox", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configFile = root + "/dropbridge.yaml"
        let helseID = try await Self.registerClient(with: simulator, port: port, root: root)
        try """
            root: \(root)
            outbox: { settleMilliseconds: 100, rescanSeconds: 1, orphanSeconds: 120 }
            schemas: { directory: \(BridgeHarness.samples)/schemas }
            nhn: { baseURL: "http://127.0.0.1:\(port)", senderHerId: 8143060, receive: "off", maxBackoffSeconds: 1 }
            \(helseID)
            """.write(toFile: configFile, atomically: true, encoding: .utf8)

        var bridge = try DaemonProcess(binary: binary, arguments: ["run", "--config", configFile, "--log-level", "warning"], logFile: root + "/run1.log")
        let names = (0..<200).map { String(format: "kill-%03d", $0) }
        for (index, name) in names.enumerated() {
            let xml = try OutboxTests.msgHead(msgId: "kill-msg-\(index)")
            try Self.put(Data(xml), root: root, as: name + ".xml")
            try Self.put(Data(#"{"receiverHerIds":[8094866]}"#.utf8), root: root, as: name + ".json")
        }
        // Kill somewhere in the middle of the burst.
        let killAfter = Int.random(in: 20...120)
        try await Self.waitUntil("\(killAfter) drops are answered", timeout: .seconds(60)) {
            Self.count(root + "/receipts", suffix: ".sent.json") >= killAfter
        }
        bridge.kill()
        let answeredBeforeKill = Self.count(root + "/receipts", suffix: ".sent.json")

        bridge = try DaemonProcess(binary: binary, arguments: ["run", "--config", configFile, "--log-level", "warning"], logFile: root + "/run2.log")
        try await Self.waitUntil("all 200 drops are in sent/", timeout: .seconds(120)) {
            Self.count(root + "/receipts", suffix: ".sent.json") >= names.count
        }
        let exitStatus = try await bridge.terminate()
        XCTAssertEqual(exitStatus, 0, "graceful stop exits 0")

        let sent = Set(try FileManager.default.contentsOfDirectory(atPath: root + "/sent"))
        for name in names {
            XCTAssertTrue(sent.contains(name + ".xml"), name)
            XCTAssertTrue(sent.contains(name + ".json"), name)
        }
        XCTAssertEqual(sent.count, names.count * 2, "each drop in sent/ exactly once (no NAME~2 copies)")
        XCTAssertEqual(Self.count(root + "/receipts", suffix: ".sent.json"), names.count)
        XCTAssertEqual(Self.count(root + "/failed", suffix: ""), 0)
        XCTAssertEqual(Self.count(root + "/outbox", suffix: ""), 0)
        XCTAssertEqual(Self.count(root + "/.dropbridge/work", suffix: ""), 0, "nothing left in the work area")
        var duplicates = 0
        for index in names.indices {
            let seen = await simulator.count(msgId: "kill-msg-\(index)")
            XCTAssertGreaterThanOrEqual(seen, 1)
            duplicates += max(0, seen - 1)
        }
        // A drop is sent twice only when the kill fell between "POST started" and "answer
        // recorded"; with 32 attempts in flight at most that many can be repeated, and every
        // repeat is counted in the ledger.
        XCTAssertLessThanOrEqual(duplicates, 32)
        let counted = try Ledger(path: root + "/.dropbridge/ledger.sqlite").summary().possibleDuplicates
        XCTAssertGreaterThanOrEqual(counted, duplicates)
        print("SIGKILL after \(answeredBeforeKill) answered drops; \(duplicates) possible duplicate(s) re-sent")
        await simulator.stop()
    }

    func testSigkillDuringA300MessageInboundBurstLosesNothing() async throws {
        let binary = try DropbridgeBinary.path()
        let simulator = NHNSimulator(
            settings: SimulatorSettings(ownHerIds: [8143060], counterpartyHerIds: [8094866], faults: FaultSettings(latencyMilliseconds: 2)),
            logger: Logger(label: "test.simulator"))
        let port = try await simulator.start()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dropbridge-kill-in-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let configFile = root + "/dropbridge.yaml"
        let helseID = try await Self.registerClient(with: simulator, port: port, root: root)
        try """
            root: \(root)
            schemas: { directory: \(BridgeHarness.samples)/schemas }
            nhn: { baseURL: "http://127.0.0.1:\(port)", herIds: [8143060], receive: stream }
            \(helseID)
            """.write(toFile: configFile, atomically: true, encoding: .utf8)

        var ids: [String] = []
        for index in 0..<300 {
            let xml = String(decoding: try OutboxTests.msgHead(msgId: "in-\(index)", sender: 8094866, receiver: 8143060), as: UTF8.self)
            ids.append(try await simulator.inject(InjectRequest(senderHerId: 8094866, receiverHerIds: [8143060], document: xml)))
        }
        var bridge = try DaemonProcess(binary: binary, arguments: ["run", "--config", configFile, "--log-level", "warning"], logFile: root + "/run1.log")
        let killAfter = Int.random(in: 20...200)
        try await Self.waitUntil("\(killAfter) messages are in inbox/", timeout: .seconds(60)) {
            Self.count(root + "/inbox", suffix: ".json") >= killAfter
        }
        bridge.kill()

        bridge = try DaemonProcess(binary: binary, arguments: ["run", "--config", configFile, "--log-level", "warning"], logFile: root + "/run2.log")
        var marks: [String: [Int]] = [:]
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            marks = await simulator.downloadedMarks()
            if ids.allSatisfy({ marks[$0] != nil }) { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        let exitStatus = try await bridge.terminate()
        XCTAssertEqual(exitStatus, 0)
        XCTAssertEqual(Self.count(root + "/inbox", suffix: ".xml"), 300, "exactly one document per message")
        XCTAssertEqual(Self.count(root + "/inbox", suffix: ".json"), 300)
        for id in ids {
            XCTAssertEqual(marks[id], [8143060], "\(id) marked downloaded once")
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/inbox/\(id).xml"))
        }
        await simulator.stop()
    }

    /// Makes a key, registers it with the simulated HelseID, and returns the config's
    /// `helseid:` line for it.
    static func registerClient(with simulator: NHNSimulator, port: Int, root: String) async throws -> String {
        let key = try await TestKeys.make(.ec, at: root + "/keys/helseid.jwk")
        await simulator.register(RegisteredClient(clientID: "crash-tests", publicKey: key.publicJWK, keyID: key.keyID))
        return "helseid: { tokenEndpoint: \"http://127.0.0.1:\(port)/connect/token\", clientId: crash-tests, privateKeyFile: \(root)/keys/helseid.jwk }"
    }

    static func put(_ data: Data, root: String, as file: String) throws {
        let temp = root + "/outbox/." + file + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, root + "/outbox/" + file) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    static func count(_ folder: String, suffix: String) -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [])
            .filter { !$0.hasPrefix(".") && $0.hasSuffix(suffix) }.count
    }

    static func waitUntil(_ what: String, timeout: Duration, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("timed out waiting until \(what)")
        throw CancellationError()
    }
}

/// The built `dropbridge` executable, beside the test bundle.
enum DropbridgeBinary {
    static func path() throws -> String {
        if let given = ProcessInfo.processInfo.environment["DROPBRIDGE_BINARY"] { return given }
        var candidates: [String] = []
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<3 {
            candidates.append(url.appendingPathComponent("dropbridge").path)
            url.deleteLastPathComponent()
        }
        candidates.append(BridgeHarness.projectDirectory + "/.build/debug/dropbridge")
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate) {
            return candidate
        }
        let message = "the dropbridge executable is not built (looked at \(candidates)); run `swift build` first"
        // In CI the binary must be there: a skipped crash test would prove nothing.
        if ProcessInfo.processInfo.environment["CI"] != nil { throw DropbridgeBinaryMissing(message: message) }
        throw XCTSkip(message)
    }
}

/// A `dropbridge` child process with its output in a log file.
struct DaemonProcess {
    let process: Process

    init(binary: String, arguments: [String], logFile: String) throws {
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        try process.run()
    }

    func kill() {
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// SIGTERM, then waits (bounded) for the graceful exit.
    func terminate() async throws -> Int32 {
        process.terminate()
        let deadline = ContinuousClock.now + .seconds(30)
        while process.isRunning && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        if process.isRunning {
            Glibc.kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return -1
        }
        return process.terminationStatus
    }
}

struct DropbridgeBinaryMissing: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}
