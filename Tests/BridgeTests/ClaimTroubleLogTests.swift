import XCTest
@testable import Bridge

/// A full disk fails the claim of every waiting drop at every rescan: one error line per drop
/// per scan flooded the journal (40 drops → 40 lines every 2 s). The log is bounded instead.
final class ClaimTroubleLogTests: XCTestCase {
    func testTheFirstFailureIsAnErrorAndTheRestAreQuietUntilTheSummary() {
        var log = ClaimTroubleLog(summaryInterval: 60)
        XCTAssertEqual(log.failed(now: 0), .logFailure)
        for second in 1...39 { XCTAssertEqual(log.failed(now: Double(second)), .logQuietly) }
        XCTAssertEqual(log.failed(now: 60), .logSummary(failures: 40))
        XCTAssertEqual(log.failed(now: 61), .logQuietly)
        XCTAssertEqual(log.failed(now: 119), .logQuietly)
        XCTAssertEqual(log.failed(now: 120), .logSummary(failures: 3))
        XCTAssertTrue(log.isTroubled)
    }

    func testASuccessAfterTroubleSaysSoOnceWithTheTotal() {
        var log = ClaimTroubleLog(summaryInterval: 60)
        XCTAssertEqual(log.succeeded(), .nothing)
        _ = log.failed(now: 0)
        _ = log.failed(now: 1)
        _ = log.failed(now: 70)
        XCTAssertEqual(log.succeeded(), .logRecovered(failures: 3))
        XCTAssertFalse(log.isTroubled)
        XCTAssertEqual(log.succeeded(), .nothing)
        XCTAssertEqual(log.failed(now: 71), .logFailure, "new trouble after recovery is reported at once")
    }
}
