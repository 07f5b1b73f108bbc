import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import Synchronization
import XCTest
import XMLCheck

/// A real ledger whose writes fail on demand, as a full disk or an I/O error would make them.
final class FlakyLedger: DropLedger {
    let ledger: Ledger
    private struct Fault {
        var remaining: Int
        var when: @Sendable (DropRecord) -> Bool
    }
    private let fault = Mutex<Fault?>(nil)
    private let failedCount = Mutex(0)

    init(_ ledger: Ledger) { self.ledger = ledger }

    var arrivalsProven: ChangeSignal { ledger.arrivalsProven }

    /// The next `count` writes whose result matches `when` fail (and change nothing).
    func fail(_ count: Int = 1, when: @escaping @Sendable (DropRecord) -> Bool) {
        fault.withLock { $0 = Fault(remaining: count, when: when) }
    }

    var failed: Int { failedCount.withLock { $0 } }

    func updateDrop(id: Int64, now: Double, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws -> DropRecord {
        if var preview = try ledger.drop(id: id) {
            change(&preview)
            let fails = fault.withLock { fault -> Bool in
                guard let current = fault, current.remaining > 0, current.when(preview) else { return false }
                fault?.remaining -= 1
                return true
            }
            if fails {
                failedCount.withLock { $0 += 1 }
                throw FakeDiskError.full
            }
        }
        return try await ledger.updateDrop(id: id, now: now, change)
    }

    func drop(id: Int64) throws -> DropRecord? { try ledger.drop(id: id) }
    func drops(msgId: String) throws -> [DropRecord] { try ledger.drops(msgId: msgId) }
}

enum FakeDiskError: Error { case full }

/// Claimed files in memory; reads fail with local trouble on demand.
final class FakeDropFileStore: DropFileStore {
    private let files = Mutex<[String: [UInt8]]>([:])
    private let transientReads = Mutex(0)
    private let filedNames = Mutex<[String]>([])

    func put(_ bytes: [UInt8], claimId: String, file: String) {
        files.withLock { $0[claimId + "/" + file] = bytes }
    }

    /// The next `count` reads fail as with EMFILE.
    func failReads(_ count: Int) { transientReads.withLock { $0 = count } }

    var filed: [String] { filedNames.withLock { $0 } }

    func read(claimId: String, file: String, limit: Int, shownAs: String) async throws(PreparationError) -> [UInt8] {
        let fails = transientReads.withLock { remaining -> Bool in
            guard remaining > 0 else { return false }
            remaining -= 1
            return true
        }
        if fails { throw .transient(reason: "\(shownAs) could not be opened: Too many open files") }
        guard let bytes = files.withLock({ $0[claimId + "/" + file] }) else {
            throw .refused(DropFailure(stage: .reading, reason: "\(shownAs) is missing"))
        }
        return bytes
    }

    func size(claimId: String, file: String) async -> ClaimedFileSize? {
        files.withLock { $0[claimId + "/" + file] }.map { ClaimedFileSize(bytes: $0.count) }
    }

    func releaseName(for drop: DropRecord, to destination: DropDestination) async throws -> String {
        drop.releasedAs ?? drop.name
    }

    func fileAsSent(_ drop: DropRecord, as name: String, receipt: [UInt8], receiptSuffix: String) async throws {
        filedNames.withLock { $0.append("sent/" + name) }
    }

    func fileAsFailed(_ drop: DropRecord, as name: String, report: [UInt8]) async throws {
        filedNames.withLock { $0.append("failed/" + name) }
    }

    func writeReceipt(_ bytes: [UInt8], named fileName: String) async throws {
        filedNames.withLock { $0.append("receipts/" + fileName) }
    }
}

/// A sender answering from a script (accepted with a fresh id once the script is used up).
/// With `overlapWait`, each send waits that long for another to be in flight at the same time,
/// so concurrency that is allowed shows.
final class ScriptedSender: MessageSender {
    private let script = Mutex<[SendOutcome]>([])
    private let sentMessages = Mutex<[OutgoingMessage]>([])
    private let flight = Mutex((now: 0, most: 0))
    let overlapWait: Duration?

    init(overlapWait: Duration? = nil) { self.overlapWait = overlapWait }

    /// The most sends in flight at once.
    var mostInFlight: Int { flight.withLock { $0.most } }

    func answer(_ outcomes: [SendOutcome]) { script.withLock { $0 += outcomes } }

    var sent: [OutgoingMessage] { sentMessages.withLock { $0 } }

    func send(_ message: OutgoingMessage) async -> SendOutcome {
        sentMessages.withLock { $0.append(message) }
        flight.withLock { flight in
            flight.now += 1
            flight.most = max(flight.most, flight.now)
        }
        if let overlapWait {
            let deadline = ContinuousClock.now + overlapWait
            while ContinuousClock.now < deadline, flight.withLock({ $0.most }) < 2 {
                try? await Task.sleep(for: .milliseconds(5))
            }
        }
        flight.withLock { $0.now -= 1 }
        return next()
    }

    func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome { next() }

    private func next() -> SendOutcome {
        script.withLock { $0.isEmpty ? .accepted(messageId: UUID().uuidString.lowercased()) : $0.removeFirst() }
    }
}

/// A `DropPipeline` with its seams faked: a real ledger that can fail, files in memory, a
/// scripted sender. No HTTP, no folders.
final class PipelineHarness: @unchecked Sendable {
    let root: String
    let ledger: Ledger
    let flaky: FlakyLedger
    let store = FakeDropFileStore()
    let sender: ScriptedSender
    let budget: ByteBudget
    let shutdown = ShutdownSignal()
    let registrations = FakeRegistrations()
    var config: BridgeConfig
    let io = BlockingIO.started(threads: 4)
    var logger = Logger(label: "test.pipeline")

    init(sender: ScriptedSender = ScriptedSender(), budgetBytes: Int = 256 * 1024 * 1024) throws {
        self.sender = sender
        budget = ByteBudget(capacity: budgetBytes)
        root = FileManager.default.temporaryDirectory.appendingPathComponent("pipeline-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        ledger = try Ledger(path: root + "/ledger.sqlite")
        flaky = FlakyLedger(ledger)
        config = BridgeConfig(root: root)
        config.nhn.senderHerId = 8143060
    }

    func remove() { try? FileManager.default.removeItem(atPath: root) }

    var pipeline: DropPipeline { pipeline(files: store) }

    func pipeline(files: any DropFileStore) -> DropPipeline { pipeline(files: files, sender: sender, gateLimit: 4) }

    func pipeline(files: any DropFileStore, sender: any MessageSender, gateLimit: Int) -> DropPipeline {
        let validator = XMLValidator(schemas: nil, requireSchema: false, maxBytes: config.outbox.maxBytes)
        return DropPipeline(
            ledger: flaky, preparer: DropPreparer(files: files, validator: validator, config: config, io: io),
            sender: sender, files: files, io: io, retry: RetryPolicy(initialSeconds: 0.01, maxSeconds: 0.05),
            logger: logger, gate: ConcurrencyGate(limit: gateLimit), budget: budget, shutdown: shutdown,
            registrations: registrations, arrivalProof: ArrivalProof(config: config))
    }

    /// A drop claimed as the claim desk would: a ledger row, its files in the store.
    func claim(_ name: String, msgId: String = UUID().uuidString.lowercased()) async throws -> DropRecord {
        let record = try await ledger.reserve(
            originalName: name, files: ["document.xml", "sidecar.json"], channel: "nhn", now: Timestamp.now()
        ) { _ in name }
        store.put(try OutboxTests.msgHead(msgId: msgId), claimId: record.claimId, file: "document.xml")
        store.put(Array(#"{"receiverHerIds":[8094866]}"#.utf8), claimId: record.claimId, file: "sidecar.json")
        return record
    }

    func stored(_ drop: DropRecord) throws -> DropRecord {
        guard let id = drop.id, let stored = try ledger.drop(id: id) else { throw LedgerError.missingDrop(0) }
        return stored
    }
}

/// Registration as the pipeline sees it: HER-ids registered on demand of the test.
final class FakeRegistrations: SenderRegistration {
    private let registered: Mutex<Set<Int>>
    private let waitedFor = Mutex<[Int]>([])
    private let lostOnes = Mutex<[Int]>([])

    init(registered: Set<Int> = [8143060]) { self.registered = Mutex(registered) }

    func register(_ herId: Int) { registered.withLock { _ = $0.insert(herId) } }
    func registeredNone() { registered.withLock { $0.removeAll() } }
    var waited: [Int] { waitedFor.withLock { $0 } }
    var lost: [Int] { lostOnes.withLock { $0 } }

    func isRegistered(_ herId: Int) -> Bool { registered.withLock { $0.contains(herId) } }

    func waitUntilRegistered(_ herId: Int, shutdown: ShutdownSignal) async -> RegistrationWait {
        waitedFor.withLock { $0.append(herId) }
        while !isRegistered(herId) {
            guard await shutdown.sleep(for: .milliseconds(10)) else { return .stopped }
        }
        return .registered
    }

    func registrationLost(_ herId: Int) async {
        lostOnes.withLock { $0.append(herId) }
        registered.withLock { _ = $0.remove(herId) }
    }
}
