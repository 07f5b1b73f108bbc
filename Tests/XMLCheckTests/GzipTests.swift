import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

final class GzipTests: XCTestCase {
    func testRoundTrip() throws {
        let original = try sampleBytes("01-dialog-helsefaglig.xml")
        let inflated = try Gzip.inflate(gzip(original), maxBytes: 35_000_000)
        XCTAssertEqual(inflated, original)
        XCTAssertEqual(try Gzip.inflate(gzip(original), maxBytes: .max), original, "no overflow at the largest limit")
        XCTAssertNil(strictValidator.check(inflated).failure)
    }

    func testConcatenatedMembers() throws {
        let inflated = try Gzip.inflate(gzip(utf8("<a>")) + gzip(utf8("</a>")), maxBytes: 100)
        XCTAssertEqual(inflated, utf8("<a></a>"))
    }

    func testExactlyAtLimitIsAccepted() throws {
        let data = [UInt8](repeating: 0x41, count: 1000)
        XCTAssertEqual(try Gzip.inflate(gzip(data), maxBytes: 1000).count, 1000)
        XCTAssertThrowsError(try Gzip.inflate(gzip(data), maxBytes: 999))
    }

    func testBombRefusedWithoutInflatingPastTheLimit() throws {
        // 100 MB of zeros compresses to about 100 KB.
        let bomb = gzip([UInt8](repeating: 0, count: 1 << 20), times: 100)
        XCTAssertLessThan(bomb.count, 500_000)
        let before = peakResidentBytes()
        let (outcome, seconds) = timed { () -> Result<[UInt8], DropFailure> in
            do throws(DropFailure) {
                return .success(try Gzip.inflate(bomb, maxBytes: 5_000_000))
            } catch {
                return .failure(error)
            }
        }
        guard case let .failure(failure) = outcome else { return XCTFail("the bomb was inflated") }
        XCTAssertEqual(failure.stage, .reading)
        XCTAssertTrue(failure.reason.contains("more than the limit"), failure.reason)
        XCTAssertLessThan(seconds, 2)
        // Inflating all of it would lift the peak by 100 MB; under the limit it stays small.
        XCTAssertLessThan(peakResidentBytes() - before, 40_000_000)
    }

    func testTruncatedGzipRefused() throws {
        let whole = gzip(try sampleBytes("01-dialog-helsefaglig.xml"))
        for cut in [whole.count - 1, whole.count - 8, whole.count / 2, 20] {
            XCTAssertThrowsError(try Gzip.inflate(Array(whole.prefix(cut)), maxBytes: 1_000_000), "cut at \(cut)") { error in
                XCTAssertEqual((error as? DropFailure)?.stage, .reading)
            }
        }
    }

    func testCorruptGzipRefused() throws {
        var corrupt = gzip(try sampleBytes("01-dialog-helsefaglig.xml"))
        corrupt[corrupt.count / 2] ^= 0xFF
        XCTAssertThrowsError(try Gzip.inflate(corrupt, maxBytes: 1_000_000))
        var badCRC = gzip(utf8("<a/>"))
        badCRC[badCRC.count - 6] ^= 0x01
        XCTAssertThrowsError(try Gzip.inflate(badCRC, maxBytes: 1_000_000))
        XCTAssertThrowsError(try Gzip.inflate(utf8("<a/> not gzip at all, just text"), maxBytes: 1_000_000))
        XCTAssertThrowsError(try Gzip.inflate(gzip(utf8("<a/>")) + utf8("trailing junk"), maxBytes: 1_000_000))
        XCTAssertThrowsError(try Gzip.inflate([], maxBytes: 1_000_000))
    }
}
