import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import Synchronization
import SystemPackage
import XCTest

/// The pipeline alone, through its seams: ledger faults, local read trouble, scripted answers.
final class PipelineTests: XCTestCase {
    func testAnAcceptanceTheLedgerCannotTakeIsKeptAndRecordedWithoutSendingAgain() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        let drop = try await harness.claim("kept-answer")
        // The disk is full exactly when NHN's acceptance is to be recorded, twice.
        harness.flaky.fail(2) { $0.state == .accepted }

        let ending = await harness.pipeline.run(drop)

        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(harness.flaky.failed, 2)
        XCTAssertEqual(harness.sender.sent.count, 1, "the answer was known: nothing may be sent again")
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.state, .accepted)
        XCTAssertEqual(stored.possibleDuplicates, 0)
        XCTAssertNotNil(stored.messageId)
        XCTAssertNotNil(stored.filedAt)
        XCTAssertEqual(harness.store.filed, ["sent/kept-answer"])
    }

    func testARefusalAndATransientAnswerTheLedgerCannotTakeAreKept() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        let drop = try await harness.claim("kept-refusal")
        harness.sender.answer([
            .transient(reason: "HTTP 503", retryAfter: nil, requestMayHaveArrived: false),
            .refused(httpStatus: 400, problem: nil, reason: "HTTP 400: no"),
        ])
        harness.flaky.fail(1) { $0.state == .validated && $0.lastError == "HTTP 503" }

        let ending = await harness.pipeline.run(drop)

        XCTAssertEqual(ending, .failed)
        XCTAssertEqual(harness.flaky.failed, 1)
        XCTAssertEqual(harness.sender.sent.count, 2)
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.state, .failed)
        XCTAssertEqual(stored.possibleDuplicates, 0, "a 503 is no possible duplicate, and the kept answer is not a crash")
    }

    func testTooManyOpenFilesWhileReadingIsRetriedNotRefused() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        let drop = try await harness.claim("emfile")
        harness.store.failReads(2)

        let ending = await harness.pipeline.run(drop)

        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(harness.sender.sent.count, 1)
        XCTAssertEqual(harness.store.filed, ["sent/emfile"])
        XCTAssertEqual(try harness.stored(drop).state, .accepted)
    }

    func testLocalTroubleIsTransientAndTroubleOfTheFileIsNot() {
        for errno in [Errno.tooManyOpenFiles, .tooManyOpenFilesInSystem, .noMemory, .ioError, .noSpace, .interrupted, .resourceTemporarilyUnavailable] {
            XCTAssertTrue(LocalTrouble.isTransient(errno), "\(errno)")
        }
        for errno in [Errno.permissionDenied, .tooManySymbolicLinkLevels, .noSuchFileOrDirectory, .isDirectory] {
            XCTAssertFalse(LocalTrouble.isTransient(errno), "\(errno)")
        }
    }

    /// Issue #8 (14): a drop whose MsgId an earlier drop carried is sent (its AppRec is matched
    /// by NHN's ids), with a warning for the producer; the first drop gets none.
    func testADropReusingAnEarlierMsgIdIsSentWithAWarning() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        let warnings = WarningLog()
        harness.logger = Logger(label: "test.pipeline") { _ in warnings }
        let first = try await harness.claim("template-1", msgId: "copied-template")
        let firstEnding = await harness.pipeline.run(first)
        XCTAssertEqual(firstEnding, .sent)
        XCTAssertEqual(warnings.messages, [], "the first drop with a MsgId is no reuse")
        let second = try await harness.claim("template-2", msgId: "copied-template")
        let secondEnding = await harness.pipeline.run(second)
        XCTAssertEqual(secondEnding, .sent)
        XCTAssertEqual(warnings.messages.filter { $0.contains("reuses the MsgId") }.count, 1, "\(warnings.messages)")
        XCTAssertEqual(harness.sender.sent.count, 2)
    }

    func testASenderNotYetRegisteredWaitsAndIsSentOnceRegistered() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        harness.registrations.registeredNone()
        let drop = try await harness.claim("waits")
        let pipeline = harness.pipeline
        let run = Task { await pipeline.run(drop) }
        try await waitUntil("the drop waits for its sender's registration") { harness.registrations.waited == [8143060] }
        XCTAssertTrue(harness.sender.sent.isEmpty, "nothing is sent from an unregistered HER-id")
        XCTAssertEqual(try harness.stored(drop).state, .claimed)

        harness.registrations.register(8143060)
        let ending = await run.value
        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(harness.sender.sent.count, 1)
    }

    func testARefusalForWantOfAnMshConfigurationRegistersAgainAndRetries() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        let problem = try JSONDecoder().decode(
            JSONValue.self,
            from: Data(#"{"status":400,"errorCode":1001,"detail":"senderHerId 8143060 has no MSH configuration; PUT /mshconfigurations first."}"#.utf8))
        harness.sender.answer([.refused(httpStatus: 400, problem: problem, reason: "HTTP 400: no MSH configuration")])
        let drop = try await harness.claim("lost-registration")
        let pipeline = harness.pipeline
        let run = Task { await pipeline.run(drop) }
        try await waitUntil("the registration is reported lost") { harness.registrations.lost == [8143060] }
        harness.registrations.register(8143060)

        let ending = await run.value
        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(harness.sender.sent.count, 2)
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.state, .accepted)
        XCTAssertEqual(stored.possibleDuplicates, 0, "a refused message did not arrive")
    }

    func testAnOrdinary1001RefusalStillFailsTheDrop() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        let problem = try JSONDecoder().decode(JSONValue.self, from: Data(#"{"status":400,"errorCode":1001,"detail":"receiverHerIds: unknown"}"#.utf8))
        harness.sender.answer([.refused(httpStatus: 400, problem: problem, reason: "HTTP 400")])
        let drop = try await harness.claim("plain-1001")
        let ending = await harness.pipeline.run(drop)
        XCTAssertEqual(ending, .failed)
        XCTAssertTrue(harness.registrations.lost.isEmpty)
    }

    static let lostAnswer = SendOutcome.transient(reason: "the connection broke after sending", retryAfter: nil, requestMayHaveArrived: true)

    func testAnUncertainSendWaitsForNHNsProofAndIsFiledAsSentWithoutSendingAgain() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        harness.config.nhn.herIds = [8143060]
        harness.config.nhn.uncertainSeconds = 60
        harness.sender.answer([Self.lostAnswer])
        let drop = try await harness.claim("proved", msgId: "proved-msg")
        let pipeline = harness.pipeline
        let run = Task { await pipeline.run(drop) }
        try await waitUntil("the drop is uncertain") { try harness.stored(drop).state == .uncertain }
        let uncertain = try harness.stored(drop)
        XCTAssertEqual(uncertain.nextAttemptAt ?? 0, Timestamp.now() + 60, accuracy: 5, "the deadline is now + nhn.uncertainSeconds")

        // The inbound side learns from a notification that NHN has our message.
        let proved = try await harness.ledger.proveArrival(msgId: "proved-msg", messageId: "nhn-id-1", now: Timestamp.now())
        XCTAssertNotNil(proved)
        let ending = await run.value

        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(harness.sender.sent.count, 1, "proved: never sent again")
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.messageId, "nhn-id-1")
        XCTAssertEqual(stored.possibleDuplicates, 0)
        XCTAssertNotNil(stored.filedAt)
        XCTAssertEqual(harness.store.filed, ["sent/proved"])
    }

    /// Issue #8: the uncertain drop is woken by the proof itself (it is parked on the ledger's
    /// `arrivalsProven`), not found by polling; a re-check of an hour would otherwise hold it.
    func testAnUncertainSendIsWokenByTheProofNotByPolling() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        harness.config.nhn.herIds = [8143060]
        harness.config.nhn.uncertainSeconds = 600
        harness.sender.answer([Self.lostAnswer])
        let drop = try await harness.claim("woken", msgId: "woken-msg")
        var pipeline = harness.pipeline
        pipeline.proofRecheck = .seconds(3600)
        let run = Task { [pipeline] in await pipeline.run(drop) }
        try await waitUntil("the drop waits parked on the proof signal") {
            try harness.stored(drop).state == .uncertain && harness.ledger.arrivalsProven.waiting == 1
        }
        _ = try await harness.ledger.proveArrival(msgId: "woken-msg", messageId: "nhn-id-2", now: Timestamp.now())
        // Bounded: were it not woken, it would wait out the hour (then ended by shutdown).
        defer { harness.shutdown.trigger() }
        try await waitUntil("woken by the proof and filed") { try harness.stored(drop).filedAt != nil }
        let ending = await run.value
        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(harness.sender.sent.count, 1)
        XCTAssertEqual(harness.ledger.arrivalsProven.waiting, 0)
    }

    func testAnUncertainSendWithoutProofIsSentAgainCountedWhenTheBoundPasses() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        harness.config.nhn.herIds = [8143060]
        harness.config.nhn.uncertainSeconds = 0.3
        harness.sender.answer([Self.lostAnswer])
        let drop = try await harness.claim("unproved")
        let started = ContinuousClock.now

        let ending = await harness.pipeline.run(drop)

        XCTAssertEqual(ending, .sent)
        XCTAssertGreaterThanOrEqual(ContinuousClock.now - started, .milliseconds(300), "it waited for the bound")
        XCTAssertEqual(harness.sender.sent.count, 2)
        XCTAssertEqual(try harness.stored(drop).possibleDuplicates, 1)
    }

    func testWithReceivingOffALostAnswerIsSentAgainAtOnceAndCounted() async throws {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        harness.config.nhn.herIds = [8143060]
        harness.config.nhn.receive = .off
        harness.sender.answer([Self.lostAnswer])
        let drop = try await harness.claim("no-proof-possible")
        let ending = await harness.pipeline.run(drop)
        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(harness.sender.sent.count, 2)
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.possibleDuplicates, 1)
        XCTAssertNotEqual(stored.lastError?.contains("proof"), true)
    }

    func runConcurrently(_ harness: PipelineHarness, _ count: Int) async throws -> [DropPipeline.Ending] {
        var drops: [DropRecord] = []
        for index in 0..<count { drops.append(try await harness.claim("budget-\(index)")) }
        let pipeline = harness.pipeline
        return await withTaskGroup(of: DropPipeline.Ending.self) { group in
            for drop in drops { group.addTask { await pipeline.run(drop) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
    }

    func testASmallMemoryBudgetSendsOneDocumentAtATime() async throws {
        let document = try OutboxTests.msgHead(msgId: "size")
        let one = AttemptMemory.estimate(fileBytes: document.count, inflatedBytes: nil, maxBytes: 35_000_000)
        let harness = try PipelineHarness(sender: ScriptedSender(overlapWait: .milliseconds(300)), budgetBytes: one * 3 / 2)
        addTeardownBlock { harness.remove() }

        let endings = try await runConcurrently(harness, 4)

        XCTAssertEqual(endings, Array(repeating: .sent, count: 4))
        XCTAssertEqual(harness.sender.mostInFlight, 1, "room for one document: one POST at a time")
        XCTAssertEqual(harness.budget.inUse, 0, "every reservation is given back")
    }

    func testARoomyMemoryBudgetLetsSendsOverlap() async throws {
        let harness = try PipelineHarness(sender: ScriptedSender(overlapWait: .seconds(5)))
        addTeardownBlock { harness.remove() }
        let endings = try await runConcurrently(harness, 2)
        XCTAssertEqual(endings, [.sent, .sent])
        XCTAssertEqual(harness.sender.mostInFlight, 2)
    }

    func testTheMemoryEstimateCountsTheTreeACopyAndForAGzipItsBytesAndTheInflatedXML() {
        let overhead = 2 * 1024 * 1024
        XCTAssertEqual(AttemptMemory.estimate(fileBytes: 3_000, inflatedBytes: nil, maxBytes: 35_000_000), 3_000 + 3_000 + overhead)
        XCTAssertEqual(
            AttemptMemory.estimate(fileBytes: 1_000, inflatedBytes: 30_000, maxBytes: 35_000_000), 1_000 + 30_000 + 2 * 30_000 + overhead)
        // A trailer that lies is capped: inflating stops at outbox.maxBytes anyway.
        XCTAssertEqual(AttemptMemory.estimate(fileBytes: 1_000, inflatedBytes: Int(UInt32.max), maxBytes: 3_000), 1_000 + 3_000 + 2 * 3_000 + overhead)
    }

    /// The documents of a burst of 32 that the gate would all let in (it allows 32 at once) are
    /// admitted by their bytes: with room for three 20 MB documents, three are sent at a time,
    /// the others wait for the budget, and it never holds more than its capacity.
    func testTheByteBudgetNotTheCountHoldsABurstOfLargeDocuments() async throws {
        let declared = 20_000_000
        let one = AttemptMemory.estimate(fileBytes: declared, inflatedBytes: nil, maxBytes: 35_000_000)
        let sender = HeldSender()
        let harness = try PipelineHarness(budgetBytes: one * 3 + one / 2)
        addTeardownBlock { harness.remove() }
        let files = DeclaredSizeStore(harness.store, bytes: declared)
        var drops: [DropRecord] = []
        for index in 0..<32 { drops.append(try await harness.claim("large-\(index)")) }
        let pipeline = harness.pipeline(files: files, sender: sender, gateLimit: 32)
        let running = Task {
            await withTaskGroup(of: DropPipeline.Ending.self) { group in
                for drop in drops { group.addTask { await pipeline.run(drop) } }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        try await waitUntil("three sends hold the budget, the rest wait for bytes") {
            sender.inFlight == 3 && harness.budget.waiting == 29
        }
        XCTAssertLessThanOrEqual(harness.budget.inUse, harness.budget.capacity)
        sender.letGo()
        let endings = await running.value
        XCTAssertEqual(endings, Array(repeating: .sent, count: 32))
        XCTAssertEqual(sender.mostInFlight, 3, "the gate allowed 32; the budget admitted 3")
        XCTAssertEqual(harness.budget.highWater, 3 * one)
        XCTAssertEqual(harness.budget.inUse, 0, "every reservation is given back")
    }
}

/// A sender that holds every send until `letGo`, counting how many are in flight at once.
final class HeldSender: MessageSender {
    private let state = Mutex((inFlight: 0, most: 0, held: true))

    var inFlight: Int { state.withLock { $0.inFlight } }
    var mostInFlight: Int { state.withLock { $0.most } }
    func letGo() { state.withLock { $0.held = false } }

    func send(_ message: OutgoingMessage) async -> SendOutcome {
        state.withLock { state in
            state.inFlight += 1
            state.most = max(state.most, state.inFlight)
        }
        while state.withLock({ $0.held }) { try? await Task.sleep(for: .milliseconds(5)) }
        state.withLock { $0.inFlight -= 1 }
        return .accepted(messageId: UUID().uuidString.lowercased())
    }

    func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome { .accepted(messageId: "apprec") }
}

/// The fake store's files, each claiming to be `bytes` long for the memory estimate.
struct DeclaredSizeStore: DropFileStore {
    let store: FakeDropFileStore
    let bytes: Int

    init(_ store: FakeDropFileStore, bytes: Int) {
        self.store = store
        self.bytes = bytes
    }

    func read(claimId: String, file: String, limit: Int, shownAs: String) async throws(PreparationError) -> [UInt8] {
        try await store.read(claimId: claimId, file: file, limit: limit, shownAs: shownAs)
    }
    func size(claimId: String, file: String) async -> ClaimedFileSize? { ClaimedFileSize(bytes: bytes) }
    func releaseName(for drop: DropRecord, to destination: DropDestination) async throws -> String {
        try await store.releaseName(for: drop, to: destination)
    }
    func fileAsSent(_ drop: DropRecord, as name: String, receipt: [UInt8], receiptSuffix: String) async throws {
        try await store.fileAsSent(drop, as: name, receipt: receipt, receiptSuffix: receiptSuffix)
    }
    func fileAsFailed(_ drop: DropRecord, as name: String, report: [UInt8]) async throws {
        try await store.fileAsFailed(drop, as: name, report: report)
    }
    func writeReceipt(_ bytes: [UInt8], named fileName: String) async throws { try await store.writeReceipt(bytes, named: fileName) }
}

/// Keeps the messages logged at warning and above.
final class WarningLog: LogHandler, @unchecked Sendable {
    private let lines = Mutex<[String]>([])
    var messages: [String] { lines.withLock { $0 } }
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        guard event.level >= .warning else { return }
        lines.withLock { $0.append("\(event.message)") }
    }
}
