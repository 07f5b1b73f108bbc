import XCTest

/// Waits until `condition` holds, looking every few milliseconds; after `timeout` fails the
/// test at the caller's line and throws, so a test waits on a condition with a deadline instead
/// of sleeping and hoping. The one wait every BridgeTests test and fixture uses.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(10), poll: Duration = .milliseconds(5),
    file: StaticString = #filePath, line: UInt = #line, _ condition: () async throws -> Bool
) async throws {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: poll)
    }
    XCTFail("timed out waiting until \(what)", file: file, line: line)
    throw CancellationError()
}
