@testable import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NHNClient
import Synchronization
import XCTest
import XMLCheck

/// Issue #8 (7): inbound documents reserve memory before they are downloaded, so a burst of
/// big ones never has more in flight than `memory.inFlightBytes`.
final class InboundBudgetTests: XCTestCase {
    /// Announces a big answer for every document and holds each download (after its admission,
    /// as a body being read) until the test lets it finish.
    final class HeldDownloads: InboundTransport {
        static let announcedBytes = 10 << 20
        private struct State {
            var downloading = 0
            var completed = 0
            var mostAtOnce = 0
            var held: [CheckedContinuation<Void, Never>] = []
            /// No download is held any more (a failed test ends without hanging).
            var lettingGo = false
        }
        private let state = Mutex(State())
        let budget: ByteBudget
        private let reservedWhileReading = Mutex<[Int]>([])
        private let refusedAdmissions = Mutex(0)
        /// Answers given up at admission because the memory was not there (the handling then
        /// waits for it without holding the connection, and asks again).
        var givenUp: Int { refusedAdmissions.withLock { $0 } }

        init(budget: ByteBudget) { self.budget = budget }

        var downloading: Int { state.withLock { $0.downloading } }
        var completed: Int { state.withLock { $0.completed } }
        var mostAtOnce: Int { state.withLock { $0.mostAtOnce } }
        var reserved: [Int] { reservedWhileReading.withLock { $0 } }

        func finishOne() {
            let next = state.withLock { state in state.held.isEmpty ? nil : state.held.removeFirst() }
            next?.resume()
        }

        func letGo() {
            let held = state.withLock { state in
                state.lettingGo = true
                defer { state.held = [] }
                return state.held
            }
            for continuation in held { continuation.resume() }
        }

        func businessDocument(id: String, beforeBody: BodyAdmission?) async -> Result<[UInt8], CallFailure> {
            do {
                try await beforeBody?(Self.announcedBytes)
            } catch {
                refusedAdmissions.withLock { $0 += 1 }
                return .failure(.transient(reason: "given up", retryAfter: nil, requestMayHaveArrived: true))
            }
            reservedWhileReading.withLock { $0.append(budget.inUse) }
            await withCheckedContinuation { continuation in
                let hold = state.withLock { state in
                    state.downloading += 1
                    state.mostAtOnce = max(state.mostAtOnce, state.downloading)
                    if !state.lettingGo { state.held.append(continuation) }
                    return !state.lettingGo
                }
                if !hold { continuation.resume() }
            }
            state.withLock { state in
                state.downloading -= 1
                state.completed += 1
            }
            do {
                return .success(try OutboxTests.msgHead(msgId: "budget-\(id)", sender: 8094866, receiver: 8143060))
            } catch {
                return .failure(.transient(reason: "\(error)", retryAfter: nil, requestMayHaveArrived: false))
            }
        }

        func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> {
            .success(NHNMessageMetadata(id: id, senderHerId: 8094866, receiverHerIds: [8143060]))
        }
        func ping() async -> PingOutcome { .pong(timestampUtc: nil) }
        func notifications(herIds: [Int], after offset: Int64, count: Int) async -> Result<[NHNNotification], CallFailure> { .success([]) }
        func notificationStream(herIds: [Int], after offset: Int64?) async -> Result<NotificationStream, CallFailure> {
            .failure(.transient(reason: "none", retryAfter: nil, requestMayHaveArrived: false))
        }
        func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> { .success([]) }
        func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome { .succeeded }
        func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome { .accepted(messageId: "x") }
    }

    func testABurstOfBigDocumentsNeverReservesMoreThanTheBudgetAndAllArrive() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inbound-budget-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let durable = DurableFiles(config: BridgeConfig(root: root))
        // Room for two big downloads at once, not three.
        let perDownload = NotificationHandler.memoryNeeded(answerBytes: HeldDownloads.announcedBytes)
        let budget = ByteBudget(capacity: perDownload * 5 / 2)
        let transport = HeldDownloads(budget: budget)
        let handler = NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 2),
            logger: Logger(label: "test.inbound-budget"), budget: budget)
        let ids = (0..<6).map { _ in UUID().uuidString.lowercased() }

        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, id) in ids.enumerated() {
                let notification = NHNNotification(
                    relatedMessageId: id, type: "NewMessage", notificationReceiverHerId: 8143060, offset: Int64(index + 1))
                group.addTask { try await handler.handle(notification) }
            }
            // Whenever every unfinished handling is either reading its body or waiting for
            // memory, at most two read, each inside its reservation.
            for finished in 0..<ids.count {
                try await waitUntil("every unfinished handling reads or waits for memory") {
                    transport.downloading > 0 && transport.downloading + budget.waiting == ids.count - finished
                }
                XCTAssertLessThanOrEqual(transport.downloading, 2, "only what the budget has room for downloads")
                transport.finishOne()
                try await waitUntil("the download finished") { transport.completed == finished + 1 }
            }
            try await group.waitForAll()
        }
        XCTAssertLessThanOrEqual(transport.mostAtOnce, 2)
        XCTAssertGreaterThan(transport.givenUp, 0, "no handling waited for memory while holding its answer's connection")
        XCTAssertLessThanOrEqual(budget.highWater, budget.capacity)
        XCTAssertGreaterThanOrEqual(budget.highWater, perDownload, "a download held its reservation while its body was read")
        XCTAssertTrue(transport.reserved.allSatisfy { $0 >= perDownload }, "\(transport.reserved)")
        XCTAssertEqual(budget.inUse, 0, "everything given back")
        for id in ids {
            XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/inbox/\(id).xml"), id)
            XCTAssertNotNil(try ledger.inbound(messageId: id)?.downloadedAt)
        }
    }

    /// A download holds its body and the document decoded from it (no `Data` of the body, no
    /// `String` of its base64), then the document filed (three times it): at most 2.25 times the
    /// answer, not three times. So a budget of five answers reads two big ones at once (three
    /// times each would read one at a time), and filing never waits for more room.
    func testADownloadReservesTwoAndAQuarterTimesItsAnswerSoABudgetOfFiveAnswersReadsTwoAtOnce() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("inbound-twice-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge/tmp", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/inbox", withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let ledger = try Ledger(path: root + "/ledger.sqlite")
        let durable = DurableFiles(config: BridgeConfig(root: root))
        let budget = ByteBudget(capacity: HeldDownloads.announcedBytes * 5)
        let transport = HeldDownloads(budget: budget)
        let handler = NotificationHandler(
            transport: transport, ledger: ledger, inbox: InboxWriter(inbox: root + "/inbox", durable: durable),
            receipts: ReceiptWriter(receipts: root + "/receipts", durable: durable),
            validator: XMLValidator(schemas: nil, requireSchema: false, maxBytes: 1 << 20), io: BlockingIO.started(threads: 2),
            logger: Logger(label: "test.inbound-twice"), budget: budget)
        let perDownload = NotificationHandler.memoryNeeded(answerBytes: HeldDownloads.announcedBytes)
        XCTAssertEqual(perDownload, HeldDownloads.announcedBytes / 4 * 9)
        let document = try OutboxTests.msgHead(msgId: "budget-x", sender: 8094866, receiver: 8143060).count
        XCTAssertLessThanOrEqual(
            NotificationHandler.memoryNeeded(documentBytes: document), NotificationHandler.memoryNeeded(answerBytes: (document + 2) / 3 * 4),
            "filing needs no more than its download held")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<2 {
                let notification = NHNNotification(
                    relatedMessageId: UUID().uuidString.lowercased(), type: "NewMessage", notificationReceiverHerId: 8143060,
                    offset: Int64(index + 1))
                group.addTask { try await handler.handle(notification) }
            }
            defer { transport.letGo() }
            try await waitUntil("both answers' bodies are read at once") { transport.downloading == 2 }
            XCTAssertEqual(budget.inUse, perDownload * 2, "each holds its reservation while its body is read")
            transport.letGo()
            try await group.waitForAll()
        }
        XCTAssertLessThanOrEqual(budget.highWater, perDownload * 2, "filing took no more than the downloads held")
        XCTAssertEqual(budget.inUse, 0, "everything given back")
    }

    func testAResizeWithoutWaitingShrinksAlwaysAndGrowsOnlyIntoFreeRoom() {
        var state = ByteBudgetState(capacity: 100)
        XCTAssertEqual(state.reserve(1, bytes: 40), .proceed(charged: 40))
        XCTAssertEqual(state.reserve(2, bytes: 40), .proceed(charged: 40))
        XCTAssertEqual(state.resizeNow(from: 40, to: 60)?.charged, 60, "fits: grown in place")
        XCTAssertNil(state.resizeNow(from: 40, to: 70), "would exceed the capacity: refused, nothing changes")
        XCTAssertEqual(state.inUse, 100)
        XCTAssertEqual(state.reserve(3, bytes: 30), .wait)
        let shrunk = state.resizeNow(from: 60, to: 20)
        XCTAssertEqual(shrunk?.charged, 20)
        XCTAssertEqual(shrunk?.admitted.map(\.ticket), [3], "the shrink lets the waiter in")
        XCTAssertEqual(state.reserve(4, bytes: 50), .wait)
        XCTAssertNil(state.resizeNow(from: 20, to: 21), "no growth past a waiter")
        XCTAssertEqual(state.highWater, 100)
    }

    func testAReservationShrinksAtOnceAndGrowsInTurn() async throws {
        let budget = ByteBudget(capacity: 100)
        let first = try await budget.reservation(bytes: 30)
        let second = try await budget.reservation(bytes: 30)
        XCTAssertEqual(budget.inUse, 60)
        let growing = Task { try await first.resize(to: 90) }
        try await waitUntil("the growth waits, holding nothing") { budget.waiting == 1 }
        XCTAssertEqual(budget.inUse, 30, "gave its 30 back while it waits")
        try await second.resize(to: 10)
        XCTAssertEqual(budget.inUse, 100, "the shrink let the growth in")
        try await growing.value
        XCTAssertEqual(first.bytes, 90)
        first.release()
        first.release()
        second.release()
        XCTAssertEqual(budget.inUse, 0, "released once each")
        XCTAssertEqual(budget.highWater, 100)
    }

    func testACancelledGrowthHoldsNothing() async throws {
        let budget = ByteBudget(capacity: 100)
        let holder = try await budget.reservation(bytes: 80)
        let other = try await budget.reservation(bytes: 10)
        let growing = Task { try await other.resize(to: 50) }
        try await waitUntil("waiting") { budget.waiting == 1 }
        growing.cancel()
        do {
            try await growing.value
            XCTFail("expected a cancellation")
        } catch is CancellationError {}
        XCTAssertEqual(other.bytes, 0)
        XCTAssertEqual(budget.inUse, 80)
        holder.release()
        XCTAssertEqual(budget.inUse, 0)
    }

}
