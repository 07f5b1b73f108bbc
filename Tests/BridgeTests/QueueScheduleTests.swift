import XCTest

@testable import Bridge

/// The queue worker's scheduling as a plain value: which item is due, same-message order,
/// the limit, and backoff.
final class QueueScheduleTests: XCTestCase {
    typealias Item = QueueSchedule.Item

    func testDueItemsStartUpToTheLimitAndTheRestWaitForRoom() {
        var schedule = QueueSchedule(limit: 2)
        let pending = (1...4).map { Item(offset: Int64($0), key: "m\($0)", dueAt: 0) }
        var plan = schedule.plan(pending: pending, now: 10)
        XCTAssertEqual(plan.start.map(\.offset), [1, 2], "oldest first, at most the limit")
        XCTAssertNil(plan.wakeAt, "due but no room: a finishing item asks for a new plan")
        plan = schedule.plan(pending: pending, now: 10)
        XCTAssertEqual(plan.start, [], "running ones are not started twice")
        schedule.finished(1)
        plan = schedule.plan(pending: Array(pending.dropFirst()), now: 10)
        XCTAssertEqual(plan.start.map(\.offset), [3])
    }

    func testAnItemWaitingForItsBackoffHoldsUpNoOtherMessage() {
        var schedule = QueueSchedule(limit: 8)
        let pending = [Item(offset: 1, key: "stuck", dueAt: 100), Item(offset: 2, key: "b", dueAt: 0), Item(offset: 3, key: "c", dueAt: 5)]
        let plan = schedule.plan(pending: pending, now: 10)
        XCTAssertEqual(plan.start.map(\.offset), [2, 3])
        XCTAssertEqual(plan.wakeAt, 100, "woken by its own deadline")
    }

    func testItemsAboutTheSameMessageGoStrictlyInOffsetOrder() {
        var schedule = QueueSchedule(limit: 8)
        // The later one is due, the earlier one is not: the later waits.
        var plan = schedule.plan(pending: [Item(offset: 5, key: "x", dueAt: 0), Item(offset: 2, key: "x", dueAt: 50)], now: 10)
        XCTAssertEqual(plan.start, [])
        XCTAssertEqual(plan.wakeAt, 50)
        plan = schedule.plan(pending: [Item(offset: 2, key: "x", dueAt: 0), Item(offset: 5, key: "x", dueAt: 0)], now: 60)
        XCTAssertEqual(plan.start.map(\.offset), [2])
        // While 2 runs, 5 waits even though due.
        plan = schedule.plan(pending: [Item(offset: 2, key: "x", dueAt: 0), Item(offset: 5, key: "x", dueAt: 0)], now: 61)
        XCTAssertEqual(plan.start, [])
        schedule.finished(2)
        plan = schedule.plan(pending: [Item(offset: 5, key: "x", dueAt: 0)], now: 62)
        XCTAssertEqual(plan.start.map(\.offset), [5])
    }

    func testAnIdleQueuePlansNothing() {
        var schedule = QueueSchedule(limit: 8)
        XCTAssertEqual(schedule.plan(pending: [], now: 1), QueueSchedule.Plan(start: [], wakeAt: nil))
    }

    func testBackoffGrowsPerMessageAndAWaitForOwnSendsIsShort() {
        let policy = RetryPolicy(initialSeconds: 1, maxSeconds: 30, jitter: 1...1)
        let failed = QueueOutcome.failed(reason: "503")
        XCTAssertEqual(failed.retryDelay(attempts: 0, backoff: policy), 1)
        XCTAssertEqual(failed.retryDelay(attempts: 3, backoff: policy), 8)
        XCTAssertEqual(failed.retryDelay(attempts: 20, backoff: policy), 30)
        XCTAssertEqual(QueueOutcome.waitForOwnSend(reason: "").retryDelay(attempts: 9, backoff: policy), 0.2)
        XCTAssertNil(QueueOutcome.permanent(reason: "404").retryDelay(attempts: 0, backoff: policy))
        XCTAssertNil(QueueOutcome.done.retryDelay(attempts: 0, backoff: policy))
    }

    func testTheKeyOfAQueuedNotificationIsItsMessage() {
        XCTAssertEqual(Item(offset: 1, key: "a", dueAt: 0), Item(offset: 1, key: "a", dueAt: 0))
    }
}
