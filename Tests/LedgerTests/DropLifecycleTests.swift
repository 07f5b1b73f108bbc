import Ledger
import XCTest

/// The one table of drop state moves: each allowed move, and that nothing leaves a final state.
final class DropLifecycleTests: XCTestCase {
    func testTheMovesOfASend() {
        XCTAssertEqual(DropLifecycle.next(.claimed, on: .sendStarted), .sending)
        XCTAssertEqual(DropLifecycle.next(.validated, on: .sendStarted), .sending)
        XCTAssertEqual(DropLifecycle.next(.sending, on: .accepted), .accepted)
        XCTAssertEqual(DropLifecycle.next(.sending, on: .refused), .failed)
        XCTAssertEqual(DropLifecycle.next(.sending, on: .held), .held)
        XCTAssertEqual(DropLifecycle.next(.sending, on: .retryLater), .validated)
        XCTAssertEqual(DropLifecycle.next(.sending, on: .answerLost), .uncertain)
        XCTAssertEqual(DropLifecycle.next(.uncertain, on: .proofTimedOut), .validated)
        XCTAssertEqual(DropLifecycle.next(.uncertain, on: .proved), .accepted)
        XCTAssertEqual(DropLifecycle.next(.held, on: .sendStarted), .sending)
    }

    func testFinalStatesStayFinal() {
        for state in DropState.allCases where state.isFinal {
            for event in DropEvent.allCases {
                XCTAssertNil(DropLifecycle.next(state, on: event), "\(state) on \(event)")
            }
        }
    }

    func testAProvedDropIgnoresALateTimeout() {
        var drop = DropRecord(name: "a", originalName: "a", files: [], channel: "nhn", now: 0)
        drop.state = .accepted
        XCTAssertFalse(drop.advance(.proofTimedOut))
        XCTAssertEqual(drop.state, .accepted)
        drop.state = .uncertain
        XCTAssertFalse(drop.advance(.accepted), "only the proof or the timeout decide an uncertain drop")
        XCTAssertTrue(drop.advance(.proofTimedOut))
        XCTAssertEqual(drop.state, .validated)
    }
}
