import DropbridgeCore
import Foundation
import Ledger
import Monitoring
import Operations
import Simulator
import XCTest

/// Sending waits for `PUT /mshconfigurations`; the simulator refuses unregistered senders (1001).
final class RegistrationTests: XCTestCase {
    func testAnOutageOfRegistrationAtStartFailsNoDropAndReceiveOffStillRegisters() async throws {
        // The harness runs with nhn.receive: off; only nhn.senderHerId is configured.
        let harness = try await BridgeHarness(faults: FaultSettings(mshConfigurationFailures: 3))
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let names = ["early-1", "early-2", "early-3"]
        for (index, name) in names.enumerated() {
            try harness.drop(name, xml: try OutboxTests.msgHead(msgId: "early-\(index)"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        }
        for name in names { try await harness.waitUntilFiled(name, in: harness.config.folders.sent) }
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [])
        for index in names.indices {
            let count = await harness.simulator.count(msgId: "early-\(index)")
            XCTAssertEqual(count, 1)
        }
        let configured = await harness.simulator.configuredHerIds()
        XCTAssertEqual(configured, [8143060])
    }

    func testARefusalForWantOfRegistrationRegistersAgainAndSends() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try await harness.waitUntil("the sender is registered") { await harness.simulator.configuredHerIds() == [8143060] }
        // NHN forgets every configuration (the bridge still remembers its registration).
        await harness.simulator.reset()
        try harness.drop("forgotten", xml: try OutboxTests.msgHead(msgId: "forgotten-1"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("forgotten", in: harness.config.folders.sent)
        let drop = try XCTUnwrap(try harness.ledger.drop(named: "forgotten"))
        XCTAssertEqual(drop.attempts, 2, "refused once for want of registration, then sent")
        XCTAssertEqual(drop.possibleDuplicates, 0)
        let count = await harness.simulator.count(msgId: "forgotten-1")
        XCTAssertEqual(count, 1)
    }

    func testARestartDuringAnOutageSendsWithTheRememberedRegistration() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.drop("before", xml: try OutboxTests.msgHead(msgId: "before-1"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("before", in: harness.config.folders.sent)
        try await harness.stop()

        // PUT /mshconfigurations is down for the whole second run.
        await harness.simulator.setFaults(FaultSettings(mshConfigurationFailures: 1_000_000))
        try await harness.start()
        try harness.drop("during", xml: try OutboxTests.msgHead(msgId: "during-1"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("during", in: harness.config.folders.sent)
        XCTAssertEqual(try harness.ledger.drop(named: "during")?.attempts, 1)
    }

    /// Issue #8: NHN refusing the start-up `PUT /mshconfigurations` for good (423) does not
    /// stop receiving until a restart: it is tried again with backoff, `status` says why
    /// receiving waits, and once NHN accepts, messages arrive.
    func testARefusedRegistrationAtStartIsRetriedAndReceivingStartsWithoutARestart() async throws {
        let harness = try await BridgeHarness(faults: FaultSettings(mshConfigurationRefusals: 1_000_000)) { config in
            config.nhn.herIds = [8143060]
            config.nhn.receive = .poll
            config.nhn.pollSeconds = 1
        }
        addTeardownBlock { await harness.shutdown() }
        var monitoring: MonitoringHTTP?
        try await harness.start { runtime in
            let http = MonitoringHTTP(config: harness.config, ledger: runtime.ledger, metrics: PrometheusMetrics())
            monitoring = http
            return [http.server]
        }
        let port = try await XCTUnwrap(monitoring).port()
        try await harness.waitUntil("status says receiving waits for the refused registration") {
            let state = try harness.ledger.receiveState()
            return state?.state == "refused" && state?.detail?.contains("tried again with backoff") == true
        }
        XCTAssertEqual(try harness.ledger.receiveState()?.detail?.contains("locked by another HelseID client"), true)
        // `/readyz` says why too: not ready, the refused registration named with NHN's reason.
        try await harness.waitUntil("/readyz names the refused registration") {
            let answer = try await MonitoringHTTP.get(port, "/readyz")
            return answer.status == 503 && answer.body.contains("registration_refused") && answer.body.contains("8143060")
        }
        let configured = await harness.simulator.configuredHerIds()
        XCTAssertEqual(configured, [])
        // An operator sorts the lock out; no restart.
        await harness.simulator.setFaults(FaultSettings())
        let id = try await harness.simulator.inject(
            InjectRequest(
                senderHerId: 8094866, receiverHerIds: [8143060],
                document: String(decoding: try OutboxTests.msgHead(msgId: "after-refusal", sender: 8094866, receiver: 8143060), as: UTF8.self)))
        try await harness.waitUntil("the message arrives once the registration is accepted") {
            FileManager.default.fileExists(atPath: harness.config.folders.inbox + "/\(id).json")
        }
        XCTAssertEqual(try harness.ledger.receiveState()?.state, "polling")
        try await harness.waitUntil("/readyz no longer names a refused registration") {
            try await !MonitoringHTTP.get(port, "/readyz").body.contains("registration_refused")
        }
    }

    /// Drops from a HER-id whose registration NHN refuses (423) wait, `status` says why, and
    /// they go by themselves once NHN accepts: no restart, no `release`.
    func testDropsWaitingForARefusedRegistrationGoOnByThemselvesOnceNHNAccepts() async throws {
        let harness = try await BridgeHarness(faults: FaultSettings(mshConfigurationRefusals: 1_000_000))
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        let names = ["waits-1", "waits-2"]
        for name in names {
            try harness.drop(name, xml: try OutboxTests.msgHead(msgId: name), sidecar: #"{"receiverHerIds":[8094866]}"#)
        }
        var report: StatusReport?
        // A drop's sender is recorded when it is prepared, its reason for waiting a moment later:
        // both are waited for.
        try await harness.waitUntil("status says why the drops wait, and each drop says it waits") {
            report = try StatusReporter.report(config: harness.config, ledger: harness.ledger, now: Date().timeIntervalSince1970)
            let reasons = try names.map { try harness.ledger.drop(named: $0)?.lastError ?? "" }
            return report?.needsOperator.contains { $0.kind == .registrationRefused && $0.reason.contains("2 drop(s)") } == true
                && reasons.allSatisfy { $0.contains("waiting for NHN to accept the registration") }
        }
        let refused = try XCTUnwrap(report?.needsOperator.first { $0.kind == .registrationRefused })
        XCTAssertEqual(refused.subject, "HER-id 8143060")
        XCTAssertTrue(refused.reason.contains("locked by another HelseID client"), refused.reason)
        XCTAssertTrue(refused.action.contains("lock"), refused.action)
        XCTAssertFalse(report?.healthy ?? true)
        for name in names {
            let drop = try XCTUnwrap(try harness.ledger.drop(named: name))
            XCTAssertNotEqual(drop.state, .held, "waiting, not held for `release`")
            XCTAssertTrue(drop.lastError?.contains("waiting for NHN to accept the registration") == true, drop.lastError ?? "")
        }
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [])

        // An operator sorts the lock out at NHN; nobody touches dropbridge.
        await harness.simulator.setFaults(FaultSettings())
        for name in names { try await harness.waitUntilFiled(name, in: harness.config.folders.sent) }
        for name in names {
            let count = await harness.simulator.count(msgId: name)
            XCTAssertEqual(count, 1)
        }
        XCTAssertEqual(try harness.ledger.registrationRefusals(), [])
        let after = try StatusReporter.report(config: harness.config, ledger: harness.ledger, now: Date().timeIntervalSince1970)
        XCTAssertFalse(after.needsOperator.contains { $0.kind == .registrationRefused }, "\(after.needsOperator)")
    }
}
