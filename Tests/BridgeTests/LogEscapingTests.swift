import Bridge
import Logging
import XCTest

final class LogEscapingTests: XCTestCase {
    func testControlCharactersAndLineSeparatorsBecomeVisibleEscapes() {
        XCTAssertEqual(LogEscaping.escaped("brev.xml"), "brev.xml")
        XCTAssertEqual(LogEscaping.escaped("æøå – ok"), "æøå – ok", "ordinary text is left alone")
        XCTAssertEqual(LogEscaping.escaped("a\nb\rc\td"), "a\\nb\\rc\\td")
        XCTAssertEqual(LogEscaping.escaped("x\u{1B}[31mred"), "x\\x1B[31mred")
        XCTAssertEqual(LogEscaping.escaped("\u{0}\u{7F}\u{85}\u{9B}"), "\\x00\\x7F\\x85\\x9B")
        XCTAssertEqual(LogEscaping.escaped("a\u{2028}b\u{2029}c"), "a\\u{2028}b\\u{2029}c")
        XCTAssertEqual(LogEscaping.escaped("evil\u{202E}lmx.exe"), "evil\\u{202E}lmx.exe")
        XCTAssertEqual(LogEscaping.escaped("C:\\n"), "C:\\\\n", "a literal backslash cannot pass for an escape")
    }

    /// Whatever the call site passes (message, call metadata, logger metadata, nested values,
    /// an error) reaches the output escaped: one event is one line.
    func testTheHandlerEscapesEverythingItWrites() {
        let sink = RecordingHandler()
        var logger = Logger(label: "test") { _ in EscapingLogHandler(wrapping: sink) }
        logger.logLevel = .info
        logger[metadataKey: "drop"] = "a\nb"
        logger.info(
            "filed \("x\ny")",
            metadata: ["file": "evil\r\n2026-12-03 error forged", "list": ["1\n2"], "nested": ["k\n": "v\u{2028}"]])
        logger.error("failed", error: Forged())
        XCTAssertEqual(sink.events.count, 2)
        for event in sink.events {
            let text = event.message.description + " " + "\(event.metadata ?? [:])"
            XCTAssertFalse(text.contains("\n") || text.contains("\r") || text.contains("\u{2028}"), text)
            XCTAssertNil(event.error, "the error is passed on as escaped metadata")
        }
        let first = sink.events[0]
        XCTAssertEqual(first.message.description, "filed x\\ny")
        XCTAssertEqual(first.metadata?["file"]?.description, "evil\\r\\n2026-12-03 error forged")
        XCTAssertEqual(first.metadata?["drop"]?.description, "a\\nb")
        XCTAssertEqual(sink.events[1].metadata?["error.message"]?.description, "line1\\nline2")
    }
}

private struct Forged: Error, CustomStringConvertible {
    var description: String { "line1\nline2" }
}

/// Keeps what it is given (a class so the test can read what the logger's copy received).
private final class RecordingHandler: LogHandler, @unchecked Sendable {
    var events: [LogEvent] = []
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) { events.append(event) }
}
