import Foundation
import Simulator
import XCTest

/// `release`, `retry --now`, `pause` and `resume` acting on a running daemon through the ledger.
final class OperatorCommandTests: XCTestCase {
    private func cli(_ fixture: DaemonFixture, _ arguments: [String]) throws -> CommandLineTests.Run {
        try CommandLineTests.dropbridge([arguments[0], "--config", fixture.configFile] + arguments.dropFirst())
    }

    private func put(_ fixture: DaemonFixture, _ name: String) throws {
        try fixture.put(Data(try OutboxTests.msgHead(msgId: "op-\(name)")), as: name + ".xml")
        try fixture.put(Data(#"{"receiverHerIds":[\#(DaemonFixture.counterpartyHerId)]}"#.utf8), as: name + ".json")
    }

    private func sent(_ fixture: DaemonFixture, _ name: String) -> Bool {
        FileManager.default.fileExists(atPath: fixture.root + "/receipts/\(name).sent.json")
    }

    private func statusJSON(_ fixture: DaemonFixture) throws -> [String: Any] {
        let run = try cli(fixture, ["status", "--json"])
        return (try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]) ?? [:]
    }

    func testReleaseRetryNowPauseAndResumeActOnARunningDaemon() async throws {
        let fixture = try await DaemonFixture(
            "operator", settings: SimulatorSettings(ownHerIds: [DaemonFixture.ownHerId], counterpartyHerIds: [DaemonFixture.counterpartyHerId]))
        addTeardownBlock { await fixture.shutdown() }
        // Backoff up to 10 minutes: only `retry --now` gets the waiting drop out within the test.
        try await fixture.writeConfig(nhn: #"senderHerId: 8143060, receive: "off", maxBackoffSeconds: 600"#)
        try fixture.start(logLevel: "info", arguments: ["--log-format", "json"])
        try put(fixture, "first")
        try await fixture.waitUntil("the first drop is sent (the sender is registered)", timeout: .seconds(30)) { sent(fixture, "first") }

        // 423: held for an operator.
        await fixture.simulator.setFaults(FaultSettings(statusRates: [423: 1]))
        try put(fixture, "held-one")
        try await fixture.waitUntil("status lists the drop held", timeout: .seconds(30)) {
            let run = try cli(fixture, ["status"])
            return run.status == 1 && run.output.contains("HELD held-one")
        }
        // 503 asking for 600 s: waits in backoff.
        await fixture.simulator.setFaults(FaultSettings(statusRates: [503: 1], retryAfterSeconds: 600))
        try put(fixture, "waiting")
        try await fixture.waitUntil("the drop waits in backoff", timeout: .seconds(30)) {
            let ledger = try statusJSON(fixture)["ledger"] as? [String: Any]
            return ((ledger?["retrying"] as? [[String: Any]]) ?? []).contains { $0["name"] as? String == "waiting" }
        }
        await fixture.simulator.setFaults(FaultSettings())

        let notHeld = try cli(fixture, ["release", "first"])
        XCTAssertEqual(notHeld.status, 1, notHeld.output + notHeld.error)
        XCTAssertTrue(notHeld.output.contains("first: not held (accepted)"), notHeld.output)

        let release = try cli(fixture, ["release", "held-one"])
        XCTAssertEqual(release.status, 0, release.output + release.error)
        XCTAssertTrue(release.output.contains("held-one: released, sending again"), release.output)
        // `release` of a drop in backoff is refused, naming the command it needs.
        let inBackoff = try cli(fixture, ["release", "waiting"])
        XCTAssertEqual(inBackoff.status, 1, inBackoff.output + inBackoff.error)
        XCTAssertTrue(inBackoff.output.contains("waiting: not held (validated): it is tried again by itself; `dropbridge retry --now waiting` tries it at once"), inBackoff.output)
        let retry = try cli(fixture, ["retry", "--now", "waiting"])
        XCTAssertEqual(retry.status, 0, retry.output + retry.error)
        XCTAssertTrue(retry.output.contains("waiting: trying again now"), retry.output)
        try await fixture.waitUntil("the released and the waiting drop are sent", timeout: .seconds(20)) {
            sent(fixture, "held-one") && sent(fixture, "waiting")
        }
        // Its whole history, by name and by MsgId, while the daemon runs.
        let show = try cli(fixture, ["show", "held-one"])
        XCTAssertEqual(show.status, 0, show.error)
        for expected in [
            "drop held-one", "MsgId        op-held-one", "  held; ", "released by", "accepted; messageId",
            "receipts/held-one.sent.json", "sent/held-one.xml", "sent/held-one.json",
        ] {
            XCTAssertTrue(show.output.contains(expected), "\(expected) in\n\(show.output)")
        }
        XCTAssertEqual(try cli(fixture, ["show", "op-held-one"]).output, show.output, "found by its MsgId too")
        let unknown = try cli(fixture, ["show", "no-such-drop"])
        XCTAssertEqual(unknown.status, 1)
        XCTAssertTrue(unknown.output.contains("no drop or received message"), unknown.output)

        let again = try cli(fixture, ["retry", "--now", "waiting"])
        XCTAssertEqual(again.status, 1, "no longer in backoff")
        XCTAssertTrue(again.output.contains("waiting: already answered (accepted)"), again.output)

        // Paused: a new drop waits, and goes once sending resumes; the switch shows in status.
        let pause = try cli(fixture, ["pause"])
        XCTAssertEqual(pause.status, 0, pause.output + pause.error)
        XCTAssertTrue(pause.output.contains("sending is paused"), pause.output)
        try put(fixture, "paused-one")
        try await fixture.waitUntil("the drop waits while paused", timeout: .seconds(20)) {
            fixture.logs().contains("sending is paused by an operator; the drop waits") && fixture.logs().contains("paused-one")
        }
        XCTAssertEqual(try statusJSON(fixture)["sendingPaused"] as? Bool, true)
        // Paused is not healthy: exit 1, since when and who, as /readyz says too.
        let pausedStatus = try cli(fixture, ["status"])
        XCTAssertEqual(pausedStatus.status, 1, pausedStatus.output)
        XCTAssertTrue(pausedStatus.output.contains("SENDING PAUSED: sending is paused since "), pausedStatus.output)
        XCTAssertTrue(pausedStatus.output.contains("SENDINGPAUSED sending:"), pausedStatus.output)
        XCTAssertFalse(sent(fixture, "paused-one"))
        let resume = try cli(fixture, ["resume"])
        XCTAssertEqual(resume.status, 0, resume.output + resume.error)
        try await fixture.waitUntil("the paused drop is sent after resume", timeout: .seconds(20)) { sent(fixture, "paused-one") }
        XCTAssertEqual(try statusJSON(fixture)["sendingPaused"] as? Bool, false)

        // JSON lines: every line one object; the drop's facts are fields.
        let logs = fixture.logs()
        let lines = logs.split(separator: "\n").map { line in
            (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
        XCTAssertFalse(lines.contains { $0 == nil }, "every log line is a JSON object:\n\(logs)")
        let objects = lines.compactMap { $0 }
        XCTAssertTrue(objects.contains { $0["message"] as? String == "held drop released by an operator" && $0["drop"] as? String == "held-one" }, logs)
        XCTAssertTrue(objects.contains { $0["message"] as? String == "operator request done" && $0["action"] as? String == "retryNow" }, logs)
        let accepted = objects.first { $0["drop"] as? String == "waiting" && $0["outcome"] as? String == "sent" }
        XCTAssertEqual(accepted?["msgId"] as? String, "op-waiting", logs)
        XCTAssertNotNil(accepted?["messageId"] as? String, logs)
        XCTAssertEqual(accepted?["state"] as? String, "accepted")
        XCTAssertNotNil(accepted?["time"] as? String)
        let heldSends = await fixture.simulator.count(msgId: "op-held-one")
        XCTAssertEqual(heldSends, 1, "released once, sent once")
        let exit = try await fixture.terminate()
        XCTAssertEqual(exit, 0)
    }
}
