import AsyncHTTPClient
import Foundation
import NIOCore
import XCTest

@testable import Simulator

/// v3: every HER-id a call acts for must be registered with `PUT /mshconfigurations` first.
final class MshConfigurationRuleTests: XCTestCase {
    func testSendingFromAnUnconfiguredHerIdIsRefusedWith1001UntilItIsConfigured() async throws {
        let harness = try await SimulatorHarness.start(configured: false)
        addTeardownBlock { try? await harness.shutDown() }

        let refused = try await harness.sendMessage(TestDocuments.sendBody())
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(refused.errorCode, 1001)
        XCTAssertTrue((refused.json?["detail"] as? String ?? "").contains("has no MSH configuration"))
        XCTAssertTrue(refused.validationErrors.contains { $0.hasPrefix("senderHerId") })
        let none = await harness.simulator.receivedMessages()
        XCTAssertTrue(none.isEmpty, "a refused message is not recorded")

        try await harness.configure([SimulatorHarness.own])
        let accepted = try await harness.sendMessage(TestDocuments.sendBody())
        XCTAssertEqual(accepted.status, 202, String(decoding: accepted.body, as: UTF8.self))
    }

    func testTheMshConfigurationFaultAnswers503TheGivenNumberOfTimes() async throws {
        let harness = try await SimulatorHarness.start(faults: FaultSettings(mshConfigurationFailures: 2), configured: false)
        addTeardownBlock { try? await harness.shutDown() }
        let body: [String: Any] = ["configurations": [["herId": SimulatorHarness.own, "receiveNotificationChannel": "Api"]]]
        var statuses: [Int] = []
        for _ in 0..<3 { statuses.append(try await harness.put("/mshconfigurations", json: body).status) }
        XCTAssertEqual(statuses, [503, 503, 204])
        let configured = await harness.simulator.configuredHerIds()
        XCTAssertEqual(configured, [SimulatorHarness.own])
        XCTAssertEqual(FaultSettings(mshConfigurationFailures: -1).problems, ["mshConfigurationFailures must not be negative"])
    }
}
