import AsyncHTTPClient
import Foundation
import NIOCore
import XCTest

@testable import Simulator

/// Faults on the Correspondence routes (their own settings, so NHN's are untouched): status
/// rates, latency, a dropped connection, and the lost answer that idempotency must survive.
final class CorrespondenceFaultTests: AltinnTestCase {
    func testStatusFaultsAnswerInAltinnsDialectAndCreateNothing() async throws {
        let token = try await harness.token()
        for (status, code, retryAfter) in [(503, nil, "4"), (429, nil, "4"), (500, 1032, nil), (502, 2002, nil), (408, 2022, nil)] as [(Int, Int?, String?)] {
            await harness.simulator.setAltinnFaults(FaultSettings(statusRates: [status: 1], retryAfterSeconds: 4))
            let reply = try await harness.upload(.valid(), token: .value(token))
            XCTAssertEqual(reply.status, status)
            XCTAssertEqual(reply.errorCode, code, "\(status): \(reply.text)")
            XCTAssertEqual(reply.headers.first(name: "Retry-After"), retryAfter, "\(status)")
        }
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertTrue(received.isEmpty)
        // NHN's routes are not faulted by Altinn's settings.
        let nhnFaults = await harness.simulator.faults()
        XCTAssertEqual(nhnFaults, FaultSettings())
    }

    func testADroppedConnectionCreatesNothing() async throws {
        let token = try await harness.token()
        await harness.simulator.setAltinnFaults(FaultSettings(resetRate: 1))
        do {
            let reply = try await harness.upload(.valid(), token: .value(token))
            XCTFail("expected a connection error, got \(reply.status)")
        } catch {
            assertConnectionError(error)
        }
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertTrue(received.isEmpty)
    }

    func testALostAnswerIsRecoveredWithTheSameKeyAsExactlyOneCorrespondence() async throws {
        let token = try await harness.token()
        let key = UUID()
        await harness.simulator.setAltinnFaults(FaultSettings(resetAfterAcceptRate: 1))
        do {
            let reply = try await harness.upload(.valid(idempotentKey: key), token: .value(token))
            XCTFail("expected a connection error, got \(reply.status)")
        } catch {
            assertConnectionError(error)
        }
        await harness.simulator.setAltinnFaults(FaultSettings())
        // The client retries with the same key: 409/1034, then finds the id by key.
        let retry = try await harness.upload(.valid(idempotentKey: key), token: .value(token))
        XCTAssertEqual(retry.status, 409)
        XCTAssertEqual(retry.errorCode, 1034)
        let found = try await harness.request(
            .GET, AltinnHarness.base + "?resourceId=\(AltinnHarness.resourceId)&role=Sender&idempotentKey=\(key.uuidString)",
            token: .value(token))
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(received.count, 1)
        XCTAssertEqual(found.ids, received.map(\.correspondenceId))

        let counts = try await harness.request(.GET, "/_sim/altinn/counts", token: .none)
        let byKey = counts.json["byIdempotentKey"] as? [String: Int]
        XCTAssertEqual(byKey, [key.uuidString.lowercased(): 1])
        XCTAssertEqual(counts.json["refusals"] as? [String: Int], ["1034": 1])
    }

    func testLatencyDelaysTheAnswerAndFaultsAreSetThroughSim() async throws {
        let put = try await harness.request(
            .PUT, "/_sim/altinn/faults", token: .none, headers: [("Content-Type", "application/json")],
            body: Array(#"{"latencyMilliseconds": 150}"#.utf8))
        XCTAssertEqual(put.status, 200, put.text)
        let token = try await harness.token()
        let start = ContinuousClock.now
        let reply = try await harness.upload(.valid(), token: .value(token))
        XCTAssertEqual(reply.status, 200)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - start, .milliseconds(150))
        let bad = try await harness.request(
            .PUT, "/_sim/altinn/faults", token: .none, headers: [("Content-Type", "application/json")],
            body: Array(#"{"resetRate": 2}"#.utf8))
        XCTAssertEqual(bad.status, 400)
    }

    func testTheInspectionListsCorrespondencesByKeyAndRecipient() async throws {
        let person = TestParties.person(serial: 3)
        _ = try await harness.upload(.valid(recipients: [TestParties.organization, person], idempotentKey: nil))
        let key = UUID()
        _ = try await harness.upload(.valid(idempotentKey: key))
        let byKey = try await harness.request(.GET, "/_sim/altinn/correspondences?idempotentKey=\(key.uuidString)", token: .none)
        XCTAssertEqual((try JSONSerialization.jsonObject(with: byKey.body) as? [[String: Any]])?.count, 1)
        let byRecipient = try await harness.request(.GET, "/_sim/altinn/correspondences?recipient=\(person)", token: .none)
        let listed = try JSONSerialization.jsonObject(with: byRecipient.body) as? [[String: Any]]
        XCTAssertEqual(listed?.count, 1)
        XCTAssertEqual(listed?.first?["recipient"] as? String, person)
        let counts = try await harness.request(.GET, "/_sim/altinn/counts", token: .none)
        XCTAssertEqual(counts.json["total"] as? Int, 3)
        XCTAssertEqual((counts.json["byRecipient"] as? [String: Int])?[TestParties.organization], 2)

        let reset = try await harness.request(.POST, "/_sim/reset", token: .none)
        XCTAssertEqual(reset.status, 204)
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertTrue(received.isEmpty)
    }

    func testSettingsChangeThroughSimForLaterRequests() async throws {
        let put = try await harness.request(
            .PUT, "/_sim/altinn/settings", token: .none, headers: [("Content-Type", "application/json")],
            body: Array(#"{"failingRecipients": {"991825827": "Dialog not created"}, "readSeconds": null, "resourceIds": ["other"]}"#.utf8))
        XCTAssertEqual(put.status, 200, put.text)
        XCTAssertTrue(put.json["readSeconds"] is NSNull)
        XCTAssertEqual(put.json["scanSeconds"] as? Double, 0.1, "keys not named keep their values")
        let old = try await harness.upload(.valid())
        XCTAssertEqual(old.errorCode, 1036, "the harness's resource is gone")
        let settings = await harness.simulator.altinnSettings()
        XCTAssertEqual(settings.resourceIds, ["other"])
        XCTAssertEqual(settings.failingRecipients, ["991825827": "Dialog not created"])

        let invalid = try await harness.request(
            .PUT, "/_sim/altinn/settings", token: .none, headers: [("Content-Type", "application/json")],
            body: Array(#"{"scanSeconds": -1}"#.utf8))
        XCTAssertEqual(invalid.status, 400)
    }
}
