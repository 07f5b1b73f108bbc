@testable import Bridge
import Foundation
import Ledger
import Logging
import NHNClient
import Synchronization
import XCTest

/// The registration state as a plain value.
final class RegistrationBookTests: XCTestCase {
    func testARememberedRegistrationIsUsableAtOnceAndStaysSoWhenTheStartUpRenewalIsRefused() {
        var book = RegistrationBook(remembered: [1])
        XCTAssertTrue(book.isRegistered(1))
        book.startUp(1)
        XCTAssertTrue(book.isRegistered(1), "registered again in the background; usable meanwhile")
        book.refused(1, .locked(problem: nil, reason: "423"))
        XCTAssertTrue(book.isRegistered(1))
    }

    func testANeedStartsOneRegistrationAndARefusalIsTriedAgainByTheNextNeed() {
        var book = RegistrationBook()
        XCTAssertTrue(book.need(2))
        XCTAssertFalse(book.need(2), "one registration under way is enough")
        let refusal = CallFailure.refused(httpStatus: 403, problem: nil, reason: "403")
        book.refused(2, refusal)
        XCTAssertEqual(book.status(2), .refused(refusal))
        XCTAssertTrue(book.need(2))
        book.succeeded(2)
        XCTAssertTrue(book.isRegistered(2))
        XCTAssertFalse(book.need(2))
    }

    func testALostRegistrationIsMadeAgainOnce() {
        var book = RegistrationBook(remembered: [3])
        XCTAssertTrue(book.lost(3))
        XCTAssertFalse(book.isRegistered(3))
        XCTAssertFalse(book.lost(3), "already being registered again")
        XCTAssertFalse(book.need(3))
    }
}

/// `Registrations` wakes its waiters with NHN's answer instead of letting them poll, and keeps
/// trying a refused registration with backoff.
final class RegistrationsWakeTests: XCTestCase {
    /// Each `PUT` waits until the test lets it answer, with the next scripted outcome.
    final class GatedRegistrar: MshRegistrar {
        private struct State {
            var calls = 0
            var waiting: CheckedContinuation<CallOutcome, Never>?
            var ready: [CallOutcome] = []
        }
        private let state = Mutex(State())
        var called: Int { state.withLock { $0.calls } }

        /// Lets the waiting (or next) `PUT` answer `outcome`.
        func let_(_ outcome: CallOutcome) {
            let waiting = state.withLock { state -> CheckedContinuation<CallOutcome, Never>? in
                guard let waiting = state.waiting else {
                    state.ready.append(outcome)
                    return nil
                }
                state.waiting = nil
                return waiting
            }
            waiting?.resume(returning: outcome)
        }

        func registerConfigurations(herIds: [Int]) async -> CallOutcome {
            await withCheckedContinuation { continuation in
                let ready = state.withLock { state -> CallOutcome? in
                    state.calls += 1
                    if !state.ready.isEmpty { return state.ready.removeFirst() }
                    state.waiting = continuation
                    return nil
                }
                if let ready { continuation.resume(returning: ready) }
            }
        }

        func configuration(for herId: Int) -> String { "config-\(herId)" }
    }

    private func ledger() throws -> Ledger {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("registrations-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: root) }
        return try Ledger(path: root + "/ledger.sqlite")
    }

    func testAWaiterIsWokenByTheAnswerAndARefusalIsTriedAgainWithBackoff() async throws {
        let registrar = GatedRegistrar()
        // A re-check of an hour: only a wake-up can end the waits below in time.
        let registrations = Registrations(
            herIds: [], registrar: registrar, ledger: try ledger(), retry: RetryPolicy(initialSeconds: 0.01, maxSeconds: 0.01),
            logger: Logger(label: "test.registrations"), refusalRetry: RetryPolicy(initialSeconds: 0.05, maxSeconds: 0.05),
            recheck: .seconds(3600))
        let shutdown = ShutdownSignal()
        let first = Task { await registrations.waitUntilRegistered(5, shutdown: shutdown) }
        try await waitUntil("the PUT is under way and the waiter parked") { registrar.called == 1 && registrations.waiters == 1 }
        let refusal = CallFailure.locked(problem: nil, reason: "locked by another client")
        registrar.let_(.failed(refusal))
        let refused = await first.value
        XCTAssertEqual(refused, .refused(refusal), "woken by the refusal")
        XCTAssertFalse(registrations.isRegistered(5))

        // Not given up: the loop asks again after its backoff; a passive waiter gets that answer.
        let next = Task { await registrations.waitForNextAnswer(5, shutdown: shutdown) }
        try await waitUntil("the refusal is tried again") { registrar.called == 2 }
        registrar.let_(.succeeded)
        let answered = await next.value
        XCTAssertEqual(answered, .registered)
        XCTAssertTrue(registrations.isRegistered(5))
        XCTAssertEqual(registrar.called, 2)
    }

    func testShutdownEndsAWaitAtOnce() async throws {
        let registrar = GatedRegistrar()
        let registrations = Registrations(
            herIds: [], registrar: registrar, ledger: try ledger(), retry: RetryPolicy(), logger: Logger(label: "test.registrations"),
            recheck: .seconds(3600))
        let shutdown = ShutdownSignal()
        let waiter = Task { await registrations.waitUntilRegistered(6, shutdown: shutdown) }
        try await waitUntil("the waiter parked") { registrations.waiters == 1 }
        shutdown.trigger()
        let ended = await waiter.value
        XCTAssertEqual(ended, .stopped)
        XCTAssertEqual(registrations.waiters, 0, "the parked waiter left")
        registrar.let_(.succeeded)
    }
}
