import AltinnClient
@testable import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Synchronization
import XCTest

/// A drop to many recipients uploads up to `altinn.parallelUploads` at once, each with its key
/// recorded before its upload, and no more than the byte budget has room for.
final class AltinnParallelUploadTests: XCTestCase {
    static let organisations = [
        "910753614", "910753622", "910753630", "910753649", "910753657", "910753665", "910753673", "910753681",
    ].map { "urn:altinn:organization:identifier-no:\($0)" }

    /// Holds every upload until `release` is called or the deadline passes, counting how many
    /// were under way at once, and checks that each key was in the ledger before its upload.
    final class HoldingSender: CorrespondenceSender, @unchecked Sendable {
        let ledger: Ledger
        let dropId: Int64
        private let state = Mutex<(inFlight: Int, most: Int, keys: [String], unrecorded: [String], released: Bool)>((0, 0, [], [], false))

        init(ledger: Ledger, dropId: Int64) {
            self.ledger = ledger
            self.dropId = dropId
        }

        var most: Int { state.withLock { $0.most } }
        var inFlight: Int { state.withLock { $0.inFlight } }
        var keys: [String] { state.withLock { $0.keys } }
        var unrecorded: [String] { state.withLock { $0.unrecorded } }
        func release() { state.withLock { $0.released = true } }

        func upload(_ upload: CorrespondenceUpload) async -> AltinnClient.UploadOutcome {
            let recorded = ((try? ledger.altinnSends(dropId: dropId)) ?? []).contains { $0.idempotentKey == upload.idempotentKey && $0.state == .sending }
            state.withLock { state in
                state.inFlight += 1
                state.most = max(state.most, state.inFlight)
                state.keys.append(upload.idempotentKey)
                if !recorded { state.unrecorded.append(upload.idempotentKey) }
            }
            // Held until the test releases it (the bound only keeps a failed test from hanging):
            // a hold that ended by itself could let the first upload go before the last began.
            let deadline = ContinuousClock.now + .seconds(60)
            while !state.withLock({ $0.released }), ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(5))
            }
            state.withLock { $0.inFlight -= 1 }
            return .created(correspondenceId: UUID().uuidString, status: nil)
        }

        func correspondenceIds(resourceId: String, idempotentKey: String) async -> Result<[String], AltinnFailure> { .success([]) }
        func overview(correspondenceId: String) async -> Result<CorrespondenceOverview?, AltinnFailure> { .success(nil) }
        func statusHistory(correspondenceId: String) async -> Result<[CorrespondenceOverview]?, AltinnFailure> { .success(nil) }
    }

    private func setUp(recipients: Int) async throws -> (Ledger, DropRecord, PreparedDrop) {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("altinn-parallel-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let reserved = try await ledger.reserve(originalName: "many", files: ["document.xml"], channel: "altinn", now: 1) { _ in "many" }
        let drop = try await ledger.update(id: reserved.id!, now: 2) { row in
            row.channel = "altinn"
            row.state = .sending
        }
        var sidecar = AltinnSidecar(recipients: Array(Self.organisations.prefix(recipients)))
        sidecar.resourceId = "dropbridge-resource"
        sidecar.sendersReference = "case-1"
        sidecar.content = AltinnContent(messageTitle: "Vedtak", messageBody: "Hei.")
        let correspondence = try AltinnCorrespondence.validate(sidecar, defaultResourceId: "", dropName: "many")
        let prepared = PreparedDrop(
            payload: .correspondence(correspondence, document: .bytes(Array("<a/>".utf8)), checksum: "00"), contentHash: "ab")
        return (ledger, drop, prepared)
    }

    private func waitUntil(_ what: String, _ condition: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while !condition() {
            guard ContinuousClock.now < deadline else { return XCTFail("timed out waiting until \(what)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    func testUpToTheBoundAreUploadedAtOnceEachKeyRecordedBeforeItsUpload() async throws {
        let (ledger, drop, prepared) = try await setUp(recipients: 6)
        let sender = HoldingSender(ledger: ledger, dropId: drop.id!)
        let channel = AltinnChannel(client: sender, ledger: ledger, logger: Logger(label: "test.altinn"), parallelUploads: 4)
        let delivery = Task { await channel.deliver(prepared, for: drop) }
        try await waitUntil("four uploads are under way together") { sender.inFlight == 4 }
        XCTAssertEqual(sender.most, 4, "never more than altinn.parallelUploads")
        sender.release()
        guard case .accepted = await delivery.value else { return XCTFail("all six accepted") }
        XCTAssertEqual(sender.most, 4)
        XCTAssertEqual(Set(sender.keys).count, 6, "one upload per recipient, each with its own key")
        XCTAssertEqual(sender.unrecorded, [], "every key was in the ledger before its upload")
        XCTAssertEqual(try ledger.altinnSends(dropId: drop.id!).filter { $0.state == .accepted }.count, 6)
    }

    func testUploadsBeyondTheFirstWaitForRoomInTheByteBudget() async throws {
        let (ledger, drop, prepared) = try await setUp(recipients: 5)
        let sender = HoldingSender(ledger: ledger, dropId: drop.id!)
        // Room for two extra uploads' buffers besides what other work holds.
        let budget = ByteBudget(capacity: 10 * AltinnChannel.uploadBytes)
        let others = try await budget.reservation(bytes: 8 * AltinnChannel.uploadBytes)
        let channel = AltinnChannel(client: sender, ledger: ledger, logger: Logger(label: "test.altinn"), parallelUploads: 16, budget: budget)
        let delivery = Task { await channel.deliver(prepared, for: drop) }
        try await waitUntil("three uploads are under way") { sender.inFlight == 3 }
        try await Task.sleep(for: .milliseconds(100))
        XCTAssertEqual(sender.inFlight, 3, "the first on the drop's own share, two more in the room left")
        XCTAssertLessThanOrEqual(budget.inUse, budget.capacity)
        sender.release()
        guard case .accepted = await delivery.value else { return XCTFail("all five accepted") }
        XCTAssertEqual(sender.most, 3)
        XCTAssertEqual(Set(sender.keys).count, 5)
        XCTAssertEqual(budget.inUse, 8 * AltinnChannel.uploadBytes, "the extra room is given back")
        others.release()
    }

    /// A recipient whose attempt is in the ledger (killed before its answer) is uploaded again
    /// with the key recorded then, not one computed now (e.g. by a later version's formula):
    /// only that key makes Altinn answer 409/1034 for what the first attempt made.
    func testARecordedKeyIsTheOneSentAgain() async throws {
        let (ledger, drop, prepared) = try await setUp(recipients: 2)
        let recorded = "0f6d3a6e-8c1b-5d2e-9a4f-3b2c1d0e9f8a"
        _ = try await ledger.recordAltinnAttempt(
            AltinnSendRecord(idempotentKey: recorded, dropId: drop.id!, recipientIndex: 1, recipient: Self.organisations[1], now: 3), now: 3)
        let sender = HoldingSender(ledger: ledger, dropId: drop.id!)
        sender.release()
        let channel = AltinnChannel(client: sender, ledger: ledger, logger: Logger(label: "test.altinn"), parallelUploads: 1)
        guard case .accepted = await channel.deliver(prepared, for: drop) else { return XCTFail("both accepted") }
        XCTAssertEqual(sender.keys.count, 2)
        XCTAssertEqual(sender.keys.last, recorded)
        XCTAssertNotEqual(sender.keys.first, recorded)
        XCTAssertEqual(try ledger.altinnSends(dropId: drop.id!).map(\.idempotentKey).last, recorded)
    }
}
