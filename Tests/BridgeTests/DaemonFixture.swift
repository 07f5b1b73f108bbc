import Foundation
import Ledger
import Logging
import Simulator
import Synchronization
import XCTest

/// The real `dropbridge` binary against an in-process simulator, for the system tests of
/// "never lose" (crash, chaos, full disk): a temp folder holding the config, the HelseID key and
/// one log per run, a `root/` for the bridge's folders and ledger (a filesystem of the test's own
/// may be mounted there), starting, SIGKILL and restarting, and the checks those tests share.
final class DaemonFixture: @unchecked Sendable {
    static let ownHerId = 8143060
    static let counterpartyHerId = 8094866

    let simulator: NHNSimulator
    let port: Int
    /// Config, key and logs: never on the test's small filesystem, so they survive a full one.
    let base: String
    /// The bridge's `root:`; folders default to `root/<name>`, the ledger to `root/.dropbridge`.
    let root: String
    var configFile: String { base + "/dropbridge.yaml" }
    private(set) var daemon: DaemonProcess?
    /// Runs started so far; run N logs to `base/runN.log`.
    private(set) var runs = 0
    private let binary: String

    init(_ label: String, settings: SimulatorSettings) async throws {
        binary = try DropbridgeBinary.path()
        base = FileManager.default.temporaryDirectory.appendingPathComponent("dropbridge-\(label)-\(UUID().uuidString)").path
        root = base + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        var logger = Logger(label: "test.simulator")
        logger.logLevel = .warning
        simulator = NHNSimulator(settings: settings, logger: logger)
        port = try await simulator.start()
    }

    /// Writes the config: root, schemas and a HelseID client registered with the simulator come
    /// from the fixture; `nhn` holds the keys of `nhn:` besides `baseURL`, `extra` whole lines.
    func writeConfig(
        nhn: String, outbox: String = "{ settleMilliseconds: 100, rescanSeconds: 1, orphanSeconds: 120 }", extra: String = ""
    ) async throws {
        let key = try await TestKeys.make(.ec, at: base + "/keys/helseid.jwk")
        await simulator.register(RegisteredClient(clientID: "system-tests", publicKey: key.publicJWK, keyID: key.keyID))
        try """
            root: \(root)
            outbox: \(outbox)
            schemas: { directory: \(BridgeHarness.samples)/schemas }
            nhn: { baseURL: "http://127.0.0.1:\(port)", \(nhn) }
            helseid: { tokenEndpoint: "http://127.0.0.1:\(port)/connect/token", clientId: system-tests, privateKeyFile: \(base)/keys/helseid.jwk }
            \(extra)
            """.write(toFile: configFile, atomically: true, encoding: .utf8)
    }

    // MARK: Running

    func start(logLevel: String = "warning", arguments extra: [String] = [], environment: [String: String] = [:]) throws {
        precondition(daemon == nil, "one daemon at a time")
        runs += 1
        daemon = try DaemonProcess(
            binary: binary, arguments: ["run", "--config", configFile, "--log-level", logLevel] + extra, logFile: base + "/run\(runs).log",
            environment: environment)
    }

    /// SIGKILL: no chance to finish anything.
    func kill() {
        daemon?.kill()
        daemon = nil
    }

    /// SIGTERM and the graceful exit's status (-1 when it had to be killed).
    func terminate() async throws -> Int32 {
        guard let daemon else { return -1 }
        self.daemon = nil
        return try await daemon.terminate()
    }

    var isRunning: Bool { daemon?.process.isRunning ?? false }

    var daemonPID: Int32? { daemon?.process.processIdentifier }

    /// Every run's log, in order.
    func logs() -> String {
        (1...max(runs, 1)).map { (try? String(contentsOfFile: base + "/run\($0).log", encoding: .utf8)) ?? "" }.joined()
    }

    /// Kills a daemon still running, stops the simulator, removes the temp folder. Unmount a
    /// filesystem on `root` before (teardown blocks run last-added first).
    /// `DROPBRIDGE_KEEP_TEST_FILES=1` keeps the folder (logs, ledger) for a look afterwards.
    func shutdown() async {
        kill()
        await simulator.stop()
        if ProcessInfo.processInfo.environment["DROPBRIDGE_KEEP_TEST_FILES"] == "1" {
            print("Kept \(base)")
        } else {
            try? FileManager.default.removeItem(atPath: base)
        }
    }

    // MARK: Dropping and injecting

    /// Drops `count` MsgHead documents to the counterparty, as a careful producer does; returns
    /// drop name → MsgId.
    func dropMsgHeads(_ count: Int, prefix: String) throws -> [String: String] {
        var drops: [String: String] = [:]
        for index in 0..<count {
            let name = String(format: "\(prefix)-%03d", index)
            let msgId = "\(prefix)-msg-\(index)"
            try put(Data(try OutboxTests.msgHead(msgId: msgId)), as: name + ".xml")
            try put(Data(#"{"receiverHerIds":[\#(Self.counterpartyHerId)]}"#.utf8), as: name + ".json")
            drops[name] = msgId
        }
        return drops
    }

    func put(_ data: Data, as file: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/outbox", withIntermediateDirectories: true)
        try Self.put(data, outbox: root + "/outbox", as: file)
    }

    /// Written under a dot-name and renamed in, as a careful producer does.
    static func put(_ data: Data, outbox: String, as file: String) throws {
        let temp = outbox + "/." + file + ".tmp"
        try data.write(to: URL(fileURLWithPath: temp))
        guard rename(temp, outbox + "/" + file) == 0 else { throw CocoaError(.fileWriteUnknown) }
    }

    /// Places `count` documents from the counterparty to us in the network; returns message
    /// id → the document as injected.
    func injectMessages(_ count: Int, prefix: String) async throws -> [String: String] {
        var messages: [String: String] = [:]
        for index in 0..<count {
            let xml = String(
                decoding: try OutboxTests.msgHead(msgId: "\(prefix)-\(index)", sender: Self.counterpartyHerId, receiver: Self.ownHerId),
                as: UTF8.self)
            let id = try await simulator.inject(
                InjectRequest(senderHerId: Self.counterpartyHerId, receiverHerIds: [Self.ownHerId], document: xml))
            messages[id] = xml
        }
        return messages
    }

    // MARK: Looking

    /// Entries of `root/folder` not starting with a dot and ending in `suffix`.
    func count(_ folder: String, suffix: String = "") -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: root + "/" + folder)) ?? [])
            .filter { !$0.hasPrefix(".") && $0.hasSuffix(suffix) }.count
    }

    var sentReceipts: Int { count("receipts", suffix: ".sent.json") }

    func waitUntil(
        _ what: String, timeout: Duration, file: StaticString = #filePath, line: UInt = #line,
        _ condition: () async throws -> Bool
    ) async throws {
        try await Self.waitUntil(what, timeout: timeout, file: file, line: line, condition)
    }

    /// Waits until `condition` holds, polling; fails the test (at the caller's line) after `timeout`.
    static func waitUntil(
        _ what: String, timeout: Duration, file: StaticString = #filePath, line: UInt = #line,
        _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        XCTFail("timed out waiting until \(what)", file: file, line: line)
        throw CancellationError()
    }

    /// True once every one of `ids` is marked downloaded.
    func allMarkedDownloaded(_ ids: some Collection<String>) async -> Bool {
        let marks = await simulator.downloadedMarks()
        return ids.allSatisfy { marks[$0] != nil }
    }

    /// What is wrong with the inbox, given what was injected: each message once as
    /// `<id>.xml` with the injected bytes and `<id>.json` naming it, nothing else.
    func inboxProblems(_ injected: [String: String]) -> [String] {
        var problems: [String] = []
        for (id, document) in injected.sorted(by: { $0.key < $1.key }) {
            problems += Self.inboxProblems(id: id, document: document, inbox: root + "/inbox")
        }
        let expected = Set(injected.keys.flatMap { [$0 + ".xml", $0 + ".json"] })
        let present = Set(((try? FileManager.default.contentsOfDirectory(atPath: root + "/inbox")) ?? []).filter { !$0.hasPrefix(".") })
        for extra in present.subtracting(expected).sorted() { problems.append("unexpected inbox/\(extra)") }
        return problems
    }

    /// What is wrong with one message's pair in `inbox` (empty when both are complete).
    static func inboxProblems(id: String, document: String, inbox: String) -> [String] {
        var problems: [String] = []
        let xml = FileManager.default.contents(atPath: inbox + "/" + id + ".xml")
        if xml == nil {
            problems.append("\(id).xml is missing")
        } else if xml != Data(document.utf8) {
            problems.append("\(id).xml holds \(xml?.count ?? 0) bytes, not the \(document.utf8.count) injected")
        }
        if let json = FileManager.default.contents(atPath: inbox + "/" + id + ".json") {
            let object = try? JSONSerialization.jsonObject(with: json) as? [String: Any]
            if object?["messageId"] as? String != id { problems.append("\(id).json does not name the message") }
        } else {
            problems.append("\(id).json is missing")
        }
        return problems
    }

    /// Checks the outbound side after the last run: every drop once in `sent/` (no `NAME~2`),
    /// one receipt each, nothing in `failed/`, `outbox/` or the work area. Returns how often the
    /// simulator saw each MsgId.
    func checkEveryDropSentOnce(
        _ drops: [String: String], file: StaticString = #filePath, line: UInt = #line
    ) async throws -> [String: Int] {
        let sent = Set(try FileManager.default.contentsOfDirectory(atPath: root + "/sent"))
        for name in drops.keys.sorted() {
            XCTAssertTrue(sent.contains(name + ".xml") && sent.contains(name + ".json"), "\(name) in sent/", file: file, line: line)
        }
        XCTAssertEqual(sent.count, drops.count * 2, "each drop in sent/ exactly once (no NAME~2 copies)", file: file, line: line)
        XCTAssertEqual(sentReceipts, drops.count, "one .sent.json per drop", file: file, line: line)
        XCTAssertEqual(count("failed"), 0, "nothing in failed/", file: file, line: line)
        XCTAssertEqual(count("outbox"), 0, "nothing left in outbox/", file: file, line: line)
        XCTAssertEqual(count(".dropbridge/work"), 0, "nothing left in the work area", file: file, line: line)
        var seen: [String: Int] = [:]
        for (name, msgId) in drops {
            seen[msgId] = await simulator.count(msgId: msgId)
            XCTAssertGreaterThanOrEqual(seen[msgId] ?? 0, 1, "\(name) reached NHN", file: file, line: line)
        }
        return seen
    }

    /// The ledger's count of drops that may have gone out twice.
    func countedDuplicates() throws -> Int {
        try Ledger(path: root + "/.dropbridge/ledger.sqlite").summary().possibleDuplicates
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

    /// `environment` is added to the test's own.
    init(binary: String, arguments: [String], logFile: String, environment: [String: String] = [:]) throws {
        _ = FileManager.default.createFile(atPath: logFile, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: logFile))
        process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        }
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
        guard process.isRunning else { return process.terminationStatus }
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

/// A value shared with callbacks on other threads (a simulator observer, say).
final class Recorded<Value: Sendable>: Sendable {
    private let value: Mutex<Value>
    init(_ initial: Value) { value = Mutex(initial) }
    func update(_ change: (inout Value) -> Void) { value.withLock { change(&$0) } }
    var current: Value { value.withLock { $0 } }
}
