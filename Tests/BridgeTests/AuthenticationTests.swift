import Auth
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Simulator
import XCTest

/// The bridge authenticates to the simulated HelseID and NHN as to the real ones.
final class AuthenticationTests: XCTestCase {
    func testDropsAreSentWithAHelseIDTokenAndADPoPProofPerCall() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.dropSample("01-dialog-helsefaglig", as: "first")
        try harness.dropSample("02-dialog-foresporsel", as: "second")
        try await harness.waitUntilFiled("first", in: harness.config.folders.sent)
        try await harness.waitUntilFiled("second", in: harness.config.folders.sent)
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["nhn"], 1)
        XCTAssertEqual(counters.nonceChallenges, 1)
        XCTAssertGreaterThanOrEqual(counters.proofsAccepted, 2)
        XCTAssertEqual(counters.refusals, [])
    }

    func testAnExpiredTokenIsRenewedAndTheDropSent() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.dropSample("01-dialog-helsefaglig", as: "before")
        try await harness.waitUntilFiled("before", in: harness.config.folders.sent)
        await harness.simulator.expireAllTokens()

        try harness.dropSample("02-dialog-foresporsel", as: "after")
        try await harness.waitUntilFiled("after", in: harness.config.folders.sent)
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["nhn"], 2)
        XCTAssertTrue(counters.refusals.contains { $0.contains("expired") }, "\(counters.refusals)")
        // Sent once: the 401 answer means NHN did not take the first try.
        let sent = try XCTUnwrap(try harness.ledger.drop(named: "after"))
        XCTAssertEqual(sent.possibleDuplicates, 0)
    }

    /// Should NHN demand a server nonce in its proofs (RFC 9449 §9), the bridge answers it
    /// and keeps its token.
    func testANonceDemandedByNHNIsUsedAndTheTokenKept() async throws {
        let harness = try await BridgeHarness(authentication: AuthenticationSettings(nhnDemandsNonce: true))
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.dropSample("01-dialog-helsefaglig", as: "with-nonce")
        try await harness.waitUntilFiled("with-nonce", in: harness.config.folders.sent)
        let counters = await harness.simulator.authCounters()
        XCTAssertEqual(counters.tokensIssued["nhn"], 1)
        XCTAssertEqual(counters.nonceChallenges, 2)  // one from HelseID, one from NHN
        XCTAssertEqual(counters.refusals, [])
    }

    func testAKeyHelseIDDoesNotKnowHoldsTheDropClaimedAndSaysWhy() async throws {
        let harness = try await BridgeHarness { config in
            config.helseID.privateKeyFile = config.root + "/keys/unregistered.jwk"
        }
        addTeardownBlock { await harness.shutdown() }
        try await TestKeys.make(.ec, at: harness.config.root + "/keys/unregistered.jwk")
        try await harness.start()
        try harness.dropSample("01-dialog-helsefaglig", as: "unauthorized")

        try await harness.waitUntil("the drop is held") {
            try harness.ledger.drop(named: "unauthorized")?.state == .held
        }
        let held = try XCTUnwrap(try harness.ledger.summary().held.first { $0.name == "unauthorized" })
        let reason = held.reason ?? ""
        XCTAssertTrue(reason.contains("HelseID refused"), reason)
        XCTAssertTrue(reason.contains("invalid_client"), reason)
        XCTAssertTrue(reason.contains("not registered"), reason)
        // Still in the work area, nowhere else, and nothing reached NHN.
        let work = harness.config.state.work
        let claimed = harness.files(in: work).flatMap { harness.files(in: work + "/" + $0) }
        XCTAssertEqual(claimed.sorted(), ["document.xml", "sidecar.json"])
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [])
        XCTAssertEqual(harness.files(in: harness.config.folders.sent), [])
        let received = await harness.simulator.receivedMessages()
        XCTAssertTrue(received.isEmpty)
    }
}

/// `dropbridge run` as an operator meets it: refusals at start-up and in `status` and the log.
final class AuthenticationCommandLineTests: XCTestCase {
    var root: String!

    override func setUp() async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("auth-cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/outbox", withIntermediateDirectories: true)
    }

    override func tearDown() async throws {
        try? FileManager.default.removeItem(atPath: root)
    }

    func writeConfig(port: Int, keyFile: String) throws -> String {
        let file = root + "/dropbridge.yaml"
        try """
            root: \(root!)
            outbox: { settleMilliseconds: 100, rescanSeconds: 1 }
            schemas: { directory: \(BridgeHarness.samples)/schemas }
            nhn: { baseURL: "http://127.0.0.1:\(port)", senderHerId: 8143060, receive: "off", maxBackoffSeconds: 1 }
            helseid: { tokenEndpoint: "http://127.0.0.1:\(port)/connect/token", clientId: cli-tests, privateKeyFile: \(keyFile) }
            """.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    func testAKeyFileOthersCanReadStopsStartUpWithExit78() async throws {
        let keyFile = root + "/keys/helseid.jwk"
        try await TestKeys.make(.ec, at: keyFile, mode: 0o644)
        let config = try writeConfig(port: 9, keyFile: keyFile)
        let run = try CommandLineTests.dropbridge(["run", "--config", config])
        XCTAssertEqual(run.status, 78, run.error)
        XCTAssertTrue(run.error.contains("helseid.privateKeyFile"), run.error)
        XCTAssertTrue(run.error.contains(keyFile), run.error)
        XCTAssertTrue(run.error.contains("chmod 600 \(keyFile)"), run.error)
    }

    func testRefusedCredentialsShowInStatusAndTheLog() async throws {
        let binary = try DropbridgeBinary.path()
        let simulator = NHNSimulator(
            settings: SimulatorSettings(ownHerIds: [8143060], counterpartyHerIds: [8094866]),
            logger: Logger(label: "test.simulator"))
        let port = try await simulator.start()
        defer { Task { await simulator.stop() } }
        // The key exists, but nobody registered it at (the simulated) HelseID.
        let keyFile = root + "/keys/helseid.jwk"
        try await TestKeys.make(.ec, at: keyFile)
        let config = try writeConfig(port: port, keyFile: keyFile)
        let log = root + "/run.log"
        let bridge = try DaemonProcess(binary: binary, arguments: ["run", "--config", config], logFile: log)
        let xml = try OutboxTests.msgHead(msgId: "cli-held")
        try DaemonFixture.put(Data(xml), outbox: root + "/outbox", as: "held-drop.xml")
        try DaemonFixture.put(Data(#"{"receiverHerIds":[8094866]}"#.utf8), outbox: root + "/outbox", as: "held-drop.json")

        var status = CommandLineTests.Run(status: -1, output: "", error: "")
        try await DaemonFixture.waitUntil("status shows the drop held", timeout: .seconds(30)) {
            status = (try? CommandLineTests.dropbridge(["status", "--config", config])) ?? status
            return status.output.contains("HELD held-drop")
        }
        XCTAssertTrue(status.output.contains("HelseID refused"), status.output)
        XCTAssertTrue(status.output.contains("invalid_client"), status.output)
        let exit = try await bridge.terminate()
        XCTAssertEqual(exit, 0)
        let logged = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertTrue(logged.contains("HelseID refused dropbridge's credentials"), logged)
        XCTAssertTrue(logged.contains("held-drop"), logged)
        // Never a token, an assertion or a key in the log.
        XCTAssertFalse(logged.contains("eyJ"), logged)
        XCTAssertFalse(FileManager.default.fileExists(atPath: root + "/failed/held-drop.xml"))
    }
}
