import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Simulator

final class FaultInjectionTests: SimulatorTestCase {
    func testStatusRateOfOneAnswers503WithRetryAfterAndRecordsNothing() async throws {
        await harness.simulator.setFaults(FaultSettings(statusRates: [503: 1.0], retryAfterSeconds: 7))
        let reply = try await harness.sendMessage(TestDocuments.sendBody())
        XCTAssertEqual(reply.status, 503)
        XCTAssertEqual(reply.header("Retry-After"), "7")
        XCTAssertEqual(reply.header("Content-Type"), "application/problem+json")
        XCTAssertEqual(reply.json?["status"] as? Int, 503)
        // The inspection API is never faulted.
        let messages = try await harness.simMessages()
        XCTAssertTrue(messages.isEmpty)
    }

    /// The fault answers read like real ones: a reason phrase in the title and detail, and an
    /// error code that says "try again later" instead of NHN's catch-all 0.
    func testFaultAnswersCarryTheReasonPhraseAndAnErrorCode() async throws {
        for (status, phrase, code) in [(503, "Service Unavailable", 1503), (429, "Too Many Requests", 1429), (423, "Locked", 1210), (500, "Internal Server Error", 0)] {
            await harness.simulator.setFaults(FaultSettings(statusRates: [status: 1.0], retryAfterSeconds: 1))
            let reply = try await harness.sendMessage(TestDocuments.sendBody())
            XCTAssertEqual(reply.status, status)
            XCTAssertEqual(reply.json?["title"] as? String, phrase)
            XCTAssertEqual(reply.json?["detail"] as? String, "Simulated fault: \(phrase).")
            XCTAssertEqual(reply.errorCode, code, "HTTP \(status)")
        }
    }

    func testStatusRateOfOneAnswers429() async throws {
        await harness.simulator.setFaults(FaultSettings(statusRates: [429: 1.0], retryAfterSeconds: 2))
        let reply = try await harness.request(.GET, "/ping")
        XCTAssertEqual(reply.status, 429)
        XCTAssertEqual(reply.header("Retry-After"), "2")
    }

    func testLockedFaultCarriesTheLockErrorCode() async throws {
        await harness.simulator.setFaults(FaultSettings(statusRates: [423: 1.0], retryAfterSeconds: 5))
        let reply = try await harness.sendMessage(TestDocuments.sendBody())
        XCTAssertEqual(reply.status, 423)
        XCTAssertEqual(reply.errorCode, 1210)
        XCTAssertNil(reply.header("Retry-After"), "Retry-After belongs to 429/503 only")
    }

    func testResetRateOfOneDropsTheConnection() async throws {
        await harness.simulator.setFaults(FaultSettings(resetRate: 1.0))
        do {
            let reply = try await harness.sendMessage(TestDocuments.sendBody())
            XCTFail("expected a connection error, got HTTP \(reply.status)")
        } catch {
            assertConnectionError(error)
        }
        let messages = try await harness.simMessages()
        XCTAssertTrue(messages.isEmpty)
    }

    func testResetAfterAcceptRecordsTheMessageButTheClientSeesAnError() async throws {
        await harness.simulator.setFaults(FaultSettings(resetAfterAcceptRate: 1.0))
        do {
            let reply = try await harness.sendMessage(TestDocuments.sendBody(document: TestDocuments.msgHead(msgId: "lost-answer")))
            XCTFail("expected a connection error, got HTTP \(reply.status)")
        } catch {
            assertConnectionError(error)
        }
        let count = await harness.simulator.count(msgId: "lost-answer")
        XCTAssertEqual(count, 1)

        // Turning the fault off serves normally again on a fresh connection.
        await harness.simulator.setFaults(FaultSettings())
        let reply = try await harness.sendMessage(TestDocuments.sendBody(document: TestDocuments.msgHead(msgId: "lost-answer")))
        XCTAssertEqual(reply.status, 202)
        let after = await harness.simulator.count(msgId: "lost-answer")
        XCTAssertEqual(after, 2)
    }

    func testLatencyIsApplied() async throws {
        await harness.simulator.setFaults(FaultSettings(latencyMilliseconds: 300))
        let clock = ContinuousClock()
        let started = clock.now
        let reply = try await harness.request(.GET, "/ping")
        let elapsed = clock.now - started
        XCTAssertEqual(reply.status, 200)
        XCTAssertGreaterThanOrEqual(elapsed, .milliseconds(300))
    }

    func testFaultsCanBeSteeredOverHTTP() async throws {
        let put = try await harness.request(
            .PUT, "/_sim/faults", headers: [("Content-Type", "application/json")],
            body: .bytes(ByteBuffer(string: #"{"statusRates": {"500": 1.0}}"#)))
        XCTAssertEqual(put.status, 200, String(decoding: put.body, as: UTF8.self))
        let current = await harness.simulator.faults()
        XCTAssertEqual(current.statusRates, [500: 1.0])
        let faulted = try await harness.request(.GET, "/ping")
        XCTAssertEqual(faulted.status, 500)

        let get = try await harness.request(.GET, "/_sim/faults", headers: [])
        XCTAssertEqual((get.json?["statusRates"] as? [String: Double])?["500"], 1.0)

        let bad = try await harness.request(
            .PUT, "/_sim/faults", headers: [("Content-Type", "application/json")],
            body: .bytes(ByteBuffer(string: #"{"resetRate": 3}"#)))
        XCTAssertEqual(bad.status, 400)
        XCTAssertTrue(bad.validationErrors.contains { $0.contains("resetRate") }, "\(bad.validationErrors)")

        let reset = try await harness.request(.POST, "/_sim/reset", headers: [])
        XCTAssertEqual(reset.status, 204)
        let healthy = try await harness.request(.GET, "/ping")
        XCTAssertEqual(healthy.status, 200)
    }

    func testResetForgetsMessages() async throws {
        let sent = try await harness.sendMessage(TestDocuments.sendBody())
        XCTAssertEqual(sent.status, 202)
        let reset = try await harness.request(.POST, "/_sim/reset", headers: [])
        XCTAssertEqual(reset.status, 204)
        let messages = try await harness.simMessages()
        XCTAssertTrue(messages.isEmpty)
    }
}

final class FaultDecisionTests: XCTestCase {
    func decisions(_ faults: FaultSettings, count: Int) -> [FaultDecision] {
        var dice = FaultDice(seed: faults.seed)
        return (0..<count).map { _ in faults.decide(using: &dice) }
    }

    func testSameSeedGivesTheSameDecisions() {
        let faults = FaultSettings(statusRates: [503: 0.3, 429: 0.2], retryAfterSeconds: 1, resetRate: 0.1, seed: 42)
        let first = decisions(faults, count: 200)
        XCTAssertEqual(first, decisions(faults, count: 200))
        var other = faults
        other.seed = 43
        XCTAssertNotEqual(first, decisions(other, count: 200))
    }

    func testRatesAreRoughlyHonoured() {
        let faults = FaultSettings(statusRates: [503: 0.5], retryAfterSeconds: 3, seed: 7)
        let outcomes = decisions(faults, count: 2000)
        let faulted = outcomes.filter { $0 == .status(503, retryAfterSeconds: 3) }.count
        XCTAssertTrue((800...1200).contains(faulted), "\(faulted) of 2000")
        XCTAssertEqual(outcomes.count - faulted, outcomes.filter { $0 == .proceed }.count)
    }

    func testZeroRatesNeverFault() {
        XCTAssertEqual(Set(decisions(FaultSettings(statusRates: [503: 0]), count: 100)), [.proceed])
    }

    func testRetryAfterIsOnlyFor429And503() {
        let outcomes = decisions(FaultSettings(statusRates: [500: 1.0], retryAfterSeconds: 3), count: 3)
        XCTAssertEqual(outcomes, Array(repeating: .status(500, retryAfterSeconds: nil), count: 3))
    }

    func testInvalidSettingsAreReported() {
        let problems = FaultSettings(statusRates: [200: 0.5, 503: 0.7], resetRate: -1).problems
        XCTAssertTrue(problems.contains { $0.contains("200") })
        XCTAssertTrue(problems.contains { $0.contains("add up") })
        XCTAssertTrue(problems.contains { $0.contains("resetRate") })
    }
}
