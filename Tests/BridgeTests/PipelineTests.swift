import Bridge
import DropbridgeCore
import Foundation
import Ledger
import NHNClient
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
}
