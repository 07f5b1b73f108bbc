import DropbridgeCore
import Foundation
import Ledger
import XCTest

/// The drops side of the ledger: what `status` shows and what registration remembers.
final class DropsLedgerTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("drops-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testStatusListsDropsWaitingForProofAmongTheRetrying() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        let reserved = try await ledger.reserve(originalName: "waits", files: ["document.xml"], channel: "nhn", now: 1) { _ in "waits" }
        try await ledger.update(id: reserved.id ?? 0, now: 2) { row in
            row.state = .uncertain
            row.lastError = "waiting for NHN to prove the message arrived"
        }
        let summary = try ledger.summary()
        XCTAssertEqual(summary.retrying, [Ledger.NotedDrop(name: "waits", reason: "waiting for NHN to prove the message arrived")])
    }

    func testARegistrationIsRememberedPerConfigurationAndForgotten() async throws {
        let ledger = try Ledger(path: folder + "/ledger.sqlite")
        try await ledger.recordRegistration(herIds: [1, 2], configuration: { "config-\($0)" }, now: 5)
        XCTAssertEqual(try ledger.registeredHerIds { "config-\($0)" }, [1, 2])
        XCTAssertEqual(try ledger.registeredHerIds { $0 == 1 ? "changed" : "config-\($0)" }, [2], "a changed configuration is registered again")
        try await ledger.forgetRegistration(herId: 2)
        // Opened anew: it is durable.
        XCTAssertEqual(try Ledger(path: folder + "/ledger.sqlite").registeredHerIds { "config-\($0)" }, [1])
    }
}
