import XCTest
final class BridgeTestsPlaceholder: XCTestCase { func testNothing() {} }
