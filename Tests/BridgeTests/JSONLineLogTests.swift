import Bridge
import Foundation
import Logging
import Synchronization
import XCTest

/// `--log-format json`.
final class JSONLineLogTests: XCTestCase {
    func testEachEventIsOneEscapedJSONObjectWithItsMetadataAsFields() throws {
        let lines = Mutex<[String]>([])
        let handler = EscapingLogHandler(
            wrapping: JSONLineLogHandler(label: "dropbridge", level: .info, write: { line in lines.withLock { $0.append(line) } }))
        var logger = Logger(label: "dropbridge", factory: { _ in handler })
        logger[metadataKey: "root"] = "/srv"
        logger.info("drop accepted\nforged: line", metadata: ["drop": "a\nb", "msgId": "m-1", "message": "shadow"])
        logger.debug("below the level")
        let written = lines.withLock { $0 }
        XCTAssertEqual(written.count, 1)
        XCTAssertTrue(written[0].hasSuffix("\n"))
        XCTAssertEqual(written[0].filter { $0 == "\n" }.count, 1, "one line")
        let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(written[0].utf8)) as? [String: Any])
        XCTAssertEqual(object["message"] as? String, "drop accepted\\nforged: line", "escaped as in the text format")
        XCTAssertEqual(object["drop"] as? String, "a\\nb")
        XCTAssertEqual(object["msgId"] as? String, "m-1")
        XCTAssertEqual(object["metadata.message"] as? String, "shadow", "a metadata key never replaces a fixed field")
        XCTAssertEqual(object["root"] as? String, "/srv")
        XCTAssertEqual(object["level"] as? String, "info")
        XCTAssertEqual(object["label"] as? String, "dropbridge")
        XCTAssertNotNil(object["time"] as? String)
    }
}
