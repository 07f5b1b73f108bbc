@testable import Bridge
import Foundation
import Simulator
import XCTest

/// `dropbridge check`: one line per check, exit 0 only if all pass, nothing sent.
final class CheckCommandTests: XCTestCase {
    private func check(_ config: String, environment: [String: String] = [:]) throws -> CommandLineTests.Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try DropbridgeBinary.path())
        process.arguments = ["check", "--config", config]
        process.environment = ProcessInfo.processInfo.environment.filter { !$0.key.hasPrefix("DROPBRIDGE_") }.merging(environment) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return CommandLineTests.Run(status: process.terminationStatus, output: text, error: "")
    }

    func testEveryCheckPassesAgainstAWorkingSetUpAndFailuresAreNamed() async throws {
        let fixture = try await DaemonFixture(
            "check", settings: SimulatorSettings(ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId]))
        addTeardownBlock { await fixture.shutdown() }
        try await fixture.writeConfig(nhn: #"senderHerId: 8143060, receive: "off""#)

        let fresh = try check(fixture.configFile)
        XCTAssertEqual(fresh.status, 0, fresh.output)
        for expected in [
            "ok    config: ", "ok    environment: ", "ok    folder outbox: ", "missing; `run` creates it", "ok    one filesystem: ",
            "ok    lock: ", "ok    free space: ", "ok    inotify: ", "ok    ledger: ", "does not exist yet",
            "ok    schemas: ", "http://www.kith.no/xmlstds/msghead/2006-05-24", "ok    keys: helseid ",
            "ok    helseid token: obtained", "ok    nhn ping: GET http://127.0.0.1:", "skip  altinn token: ",
            "check: all ",
        ] {
            XCTAssertTrue(fresh.output.contains(expected), "\(expected) in\n\(fresh.output)")
        }
        for line in fresh.output.split(separator: "\n").dropLast() {
            XCTAssertTrue(["ok    ", "FAIL  ", "skip  "].contains { line.hasPrefix($0) }, "one line per check: \(line)")
        }

        // With the daemon running and its folders made.
        try fixture.start()
        // The daemon makes the folders (a producer's put must not make the outbox first).
        try await fixture.waitUntil("the daemon made its folders", timeout: .seconds(20)) {
            FileManager.default.fileExists(atPath: fixture.root + "/.dropbridge/ledger.sqlite")
        }
        try fixture.put(Data(try OutboxTests.msgHead(msgId: "check-1")), as: "one.xml")
        try fixture.put(Data(#"{"receiverHerIds":[\#(DaemonFixture.counterpartyHerId)]}"#.utf8), as: "one.json")
        try await fixture.waitUntil("the drop is sent", timeout: .seconds(30)) { fixture.sentReceipts == 1 }
        let running = try check(fixture.configFile)
        XCTAssertEqual(running.status, 0, running.output)
        XCTAssertTrue(running.output.contains("held by a running dropbridge"), running.output)
        XCTAssertTrue(running.output.contains("ok    folder outbox: \(fixture.root)/outbox (") && running.output.contains(" 2770)"), running.output)
        XCTAssertTrue(running.output.contains("readable: 1 drop(s)"), running.output)
        let received = await fixture.simulator.receivedMessages().count
        XCTAssertEqual(received, 1, "check sends nothing")

        // A misspelt override, and NHN gone.
        await fixture.simulator.stop()
        let broken = try check(fixture.configFile, environment: ["DROPBRIDGE_NHN_BASEURI": "https://x", "DROPBRIDGE_OUTBOX_MAX_BYTES": "1000"])
        XCTAssertEqual(broken.status, 1, broken.output)
        XCTAssertTrue(broken.output.contains("FAIL  environment: DROPBRIDGE_NHN_BASEURI matches no configuration key and is ignored"), broken.output)
        XCTAssertFalse(broken.output.contains("DROPBRIDGE_OUTBOX_MAX_BYTES"), "a known key's variable is fine")
        XCTAssertTrue(broken.output.contains("FAIL  helseid token: "), broken.output)
        XCTAssertTrue(broken.output.contains("checks failed"), broken.output)
    }

    /// With Altinn enabled: the Maskinporten grant and the Altinn exchange, against the simulator.
    func testTheAltinnExchangeIsCheckedWhenEnabled() async throws {
        let fixture = try await DaemonFixture(
            "check-altinn", settings: SimulatorSettings(ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId]))
        addTeardownBlock { await fixture.shutdown() }
        let keyFile = fixture.base + "/keys/maskinporten.jwk"
        let key = try await TestKeys.make(.rsa, at: keyFile)
        let origin = "http://127.0.0.1:\(fixture.port)"
        let altinn = """
            altinn: { enabled: true, baseURL: "\(origin)", maskinporten: { tokenEndpoint: "\(origin)/maskinporten/token", \
            audience: "\(origin)/maskinporten/", clientId: mp-check, privateKeyFile: \(keyFile) } }
            """
        try await fixture.writeConfig(nhn: #"senderHerId: 8143060, receive: "off""#, extra: altinn)

        let unregistered = try check(fixture.configFile)
        XCTAssertEqual(unregistered.status, 1, unregistered.output)
        XCTAssertTrue(unregistered.output.contains("FAIL  altinn token: "), unregistered.output)
        XCTAssertTrue(unregistered.output.contains("ok    nhn ping: "), unregistered.output)

        await fixture.simulator.register(RegisteredClient(clientID: "mp-check", publicKey: key.publicJWK, keyID: key.keyID))
        let registered = try check(fixture.configFile)
        XCTAssertEqual(registered.status, 0, registered.output)
        XCTAssertTrue(registered.output.contains("ok    altinn token: Maskinporten grant at \(origin)/maskinporten/token and Altinn exchange"), registered.output)
        XCTAssertTrue(registered.output.contains("maskinporten \(keyFile)"), registered.output)
    }

    func testEnvironmentNamesFollowTheProvidersEncoding() {
        XCTAssertEqual(ConfigEnvironment.name(of: "nhn.baseURL"), "NHN_BASE_URL")
        XCTAssertEqual(ConfigEnvironment.name(of: "outbox.maxBytes"), "OUTBOX_MAX_BYTES")
        XCTAssertEqual(ConfigEnvironment.name(of: "altinn.maskinporten.clientId"), "ALTINN_MASKINPORTEN_CLIENT_ID")
        XCTAssertEqual(ConfigEnvironment.unknown(in: ["DROPBRIDGE_ROOT": "/x", "DROPBRIDGE_ROTO": "/x", "HOME": "/"]), ["DROPBRIDGE_ROTO"])
    }
}
