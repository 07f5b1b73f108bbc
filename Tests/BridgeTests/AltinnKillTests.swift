import Foundation
import Simulator
import XCTest

/// SIGKILL during an Altinn burst, while the simulated Altinn drops answers after creating
/// correspondences and fails some requests: afterwards every drop is in `sent/`, and Altinn holds
/// exactly one correspondence per drop and recipient (the keys recorded before each upload make
/// the repeated uploads find what the killed run made).
final class AltinnKillTests: XCTestCase {
    func testASigkillDuringAnAltinnBurstLosesNothingAndDuplicatesNothing() async throws {
        let fixture = try await DaemonFixture(
            "altinn-kill",
            settings: SimulatorSettings(
                ownHerIds: [DaemonFixture.ownHerId],
                correspondence: CorrespondenceSettings(
                    scanSeconds: 0.2, readSeconds: nil, confirmSeconds: nil,
                    faults: FaultSettings(statusRates: [503: 0.05], latencyMilliseconds: 5, resetAfterAcceptRate: 0.1))))
        addTeardownBlock { await fixture.shutdown() }
        let key = try await TestKeys.make(.rsa, at: fixture.base + "/keys/maskinporten.jwk")
        await fixture.simulator.register(RegisteredClient(clientID: "system-tests-mp", publicKey: key.publicJWK, keyID: key.keyID))
        let origin = "http://127.0.0.1:\(fixture.port)"
        try await fixture.writeConfig(
            nhn: "senderHerId: 8143060, receive: off, maxBackoffSeconds: 1",
            extra: """
                altinn: { enabled: true, baseURL: "\(origin)", resourceId: dropbridge-correspondence, maxPollSeconds: 5,
                  maskinporten: { tokenEndpoint: "\(origin)/maskinporten/token", audience: "\(origin)/maskinporten/",
                    clientId: system-tests-mp, privateKeyFile: \(fixture.base)/keys/maskinporten.jwk } }
                """)
        let count = 40
        let recipients = [BridgeHarness.org, BridgeHarness.person]
        for index in 0..<count {
            let name = String(format: "burst-%03d", index)
            let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<brev xmlns=\"urn:example:brev\"><nr>\(index)</nr></brev>\n"
            try fixture.put(Data(xml.utf8), as: name + ".xml")
            let sidecar = BridgeHarness.altinnSidecar(recipients: recipients)
                .replacingOccurrences(of: "case-2026-117", with: name)
            try fixture.put(Data(sidecar.utf8), as: name + ".json")
        }

        try fixture.start()
        let killAt = Int.random(in: 10...50)
        try await fixture.waitUntil("Altinn has \(killAt) correspondences", timeout: .seconds(60)) {
            await fixture.simulator.receivedCorrespondences().count >= killAt
        }
        fixture.kill()
        try fixture.start()
        try await fixture.waitUntil("every drop is in sent/", timeout: .seconds(90)) {
            fixture.sentReceipts >= count
        }
        _ = try await fixture.terminate()

        let created = await fixture.simulator.receivedCorrespondences()
        var perDropAndRecipient: [String: Int] = [:]
        for correspondence in created {
            perDropAndRecipient[correspondence.sendersReference + " " + correspondence.recipient, default: 0] += 1
        }
        XCTAssertEqual(perDropAndRecipient.count, count * recipients.count, "every recipient of every drop has it")
        XCTAssertEqual(perDropAndRecipient.filter { $0.value > 1 }, [:], "nothing made twice")
        XCTAssertEqual(fixture.count("failed"), 0)
        XCTAssertFalse(fixture.logs().contains("15038545660"), "a person's number never in a log line")
    }
}
