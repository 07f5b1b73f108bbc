@testable import Bridge
import XCTest

final class ByteBudgetStateTests: XCTestCase {
    func testRequestsThatFitProceedAndTheRestWaitInOrder() {
        var state = ByteBudgetState(capacity: 100)
        XCTAssertEqual(state.reserve(1, bytes: 60), .proceed(charged: 60))
        XCTAssertEqual(state.reserve(2, bytes: 50), .wait)
        // Fits, but must not overtake the waiter ahead of it.
        XCTAssertEqual(state.reserve(3, bytes: 10), .wait)
        XCTAssertEqual(state.inUse, 60)

        let admitted = state.release(60)
        XCTAssertEqual(admitted.map(\.ticket), [2, 3])
        XCTAssertEqual(admitted.map(\.charged), [50, 10])
        XCTAssertEqual(state.inUse, 60)
        XCTAssertEqual(state.waitingCount, 0)
    }

    func testARequestLargerThanTheBudgetRunsAlone() {
        var state = ByteBudgetState(capacity: 100)
        XCTAssertEqual(state.reserve(1, bytes: 10), .proceed(charged: 10))
        XCTAssertEqual(state.reserve(2, bytes: 5_000), .wait)
        XCTAssertEqual(state.release(10).map(\.charged), [100])
        XCTAssertEqual(state.reserve(3, bytes: 1), .wait)
        XCTAssertEqual(state.release(100).map(\.ticket), [3])
        // Zero bytes still count as one: every holder is seen.
        XCTAssertEqual(state.charge(for: 0), 1)
    }

    func testCancellingTheHeadLetsTheNextIn() {
        var state = ByteBudgetState(capacity: 100)
        _ = state.reserve(1, bytes: 50)
        XCTAssertEqual(state.reserve(2, bytes: 80), .wait)
        XCTAssertEqual(state.reserve(3, bytes: 40), .wait)
        let cancelled = state.cancel(2)
        XCTAssertTrue(cancelled.wasWaiting)
        XCTAssertEqual(cancelled.admitted.map(\.ticket), [3])
        XCTAssertFalse(state.cancel(2).wasWaiting, "a ticket is cancelled once")
        XCTAssertFalse(state.cancel(1).wasWaiting, "a holder is not a waiter")
        XCTAssertEqual(state.inUse, 90)
    }
}

final class ByteBudgetTests: XCTestCase {
    func testAWaiterResumesWhenBytesAreReleased() async throws {
        let budget = ByteBudget(capacity: 100)
        let (holding, holdingDone) = AsyncStream<Void>.makeStream()
        let (release, releaseNow) = AsyncStream<Void>.makeStream()
        let holder = Task {
            try await budget.withReservation(bytes: 80) {
                holdingDone.yield()
                for await _ in release { break }
            }
        }
        for await _ in holding { break }
        XCTAssertEqual(budget.inUse, 80)
        let waiter = Task { try await budget.withReservation(bytes: 50) { budget.inUse } }
        try await waitUntil("a reservation waits") { budget.waiting == 1 }
        releaseNow.yield()
        try await holder.value
        let seen = try await waiter.value
        XCTAssertEqual(seen, 50)
        XCTAssertEqual(budget.inUse, 0)
    }

    func testCancellingAWaiterThrowsAndFreesItsPlace() async throws {
        let budget = ByteBudget(capacity: 10)
        let (release, releaseNow) = AsyncStream<Void>.makeStream()
        let holder = Task { try await budget.withReservation(bytes: 10) { for await _ in release { break } } }
        try await waitUntil("10 bytes are in use") { budget.inUse == 10 }
        let waiter = Task { try await budget.withReservation(bytes: 5) { 1 } }
        try await waitUntil("a reservation waits") { budget.waiting == 1 }
        waiter.cancel()
        do {
            _ = try await waiter.value
            XCTFail("a cancelled waiter must not run")
        } catch is CancellationError {}
        XCTAssertEqual(budget.waiting, 0)
        releaseNow.yield()
        try await holder.value
        XCTAssertEqual(budget.inUse, 0)
        // Already cancelled before asking: never waits, never runs.
        let early = Task {
            withUnsafeCurrentTask { $0?.cancel() }
            return try await budget.withReservation(bytes: 1) { 1 }
        }
        do {
            _ = try await early.value
            XCTFail("a cancelled task must not reserve")
        } catch is CancellationError {}
        XCTAssertEqual(budget.inUse, 0)
    }
}
