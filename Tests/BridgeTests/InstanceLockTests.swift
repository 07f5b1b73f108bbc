@testable import Bridge
import Foundation
import Glibc
import XCTest

final class InstanceLockTests: XCTestCase {
    private var folder: String!

    override func setUpWithError() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("lock-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    func testASecondInstanceIsToldAnotherIsRunning() throws {
        let first = try InstanceLock(path: folder + "/lock")
        XCTAssertThrowsError(try InstanceLock(path: folder + "/lock")) { error in
            XCTAssertTrue(error is InstanceLock.Held, "\(error)")
            XCTAssertTrue("\(error)".contains("another dropbridge is running"))
        }
        withExtendedLifetime(first) {}
    }

    /// Tests run as root, which no file mode stops, so EACCES comes through the seam: what
    /// matters is that it is told as itself, not as "another dropbridge is running".
    func testPermissionDeniedSaysSoAndNotThatAnotherIsRunning() throws {
        let denied = InstanceLock.Calls(open: { _ in errno = EACCES; return -1 })
        XCTAssertThrowsError(try InstanceLock(path: folder + "/lock", calls: denied)) { error in
            XCTAssertFalse(error is InstanceLock.Held)
            let text = "\(error)"
            XCTAssertTrue(text.contains("Permission denied"), text)
            XCTAssertTrue(text.contains(folder + "/lock"), text)
            XCTAssertFalse(text.contains("another dropbridge"), text)
        }
        let lockFails = InstanceLock.Calls(lock: { _ in errno = ENOLCK; return -1 })
        XCTAssertThrowsError(try InstanceLock(path: folder + "/lock", calls: lockFails)) { error in
            XCTAssertFalse(error is InstanceLock.Held, "\(error)")
        }
    }

    func testTheLockFileIsOwnerOnly() throws {
        let old = umask(0)
        defer { umask(old) }
        let lock = try InstanceLock(path: folder + "/lock")
        var info = stat()
        XCTAssertEqual(stat(folder + "/lock", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o600)
        withExtendedLifetime(lock) {}
    }
}
