import Bridge
import DropFolder
import DropbridgeCore
import Foundation
import XCTest

final class InboxWriterTests: XCTestCase {
    private var root: String!
    private var writer: InboxWriter!

    override func setUpWithError() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("inbox-\(UUID().uuidString)").path
        for folder in ["inbox", ".dropbridge/tmp"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        writer = InboxWriter(inbox: root + "/inbox", durable: DurableFiles(tempDirectory: root + "/.dropbridge/tmp", fileMode: 0o640))
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: root)
    }

    func metadata(_ id: String, at time: String = "2026-12-01T10:00:00Z") -> InboxMetadata {
        InboxMetadata(
            messageId: id, senderHerId: 8094866, receiverHerId: 8143060, msgId: "msg", messageType: "DIALOG_NOTAT",
            genDate: nil, receivedAt: time, valid: true, errors: nil)
    }

    func testWritesThePairAndIsIdempotent() throws {
        let id = "0b6f3c1e-2a6d-4f1e-9c1b-5a2f0c7d9e11"
        XCTAssertEqual(try writer.write(document: Array("<x/>".utf8), metadata: metadata(id)), id)
        // The same message again (a repeated notification, later): no second pair, no error.
        XCTAssertEqual(try writer.write(document: Array("<x/>".utf8), metadata: metadata(id, at: "2026-12-01T10:05:00Z")), id)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/inbox").sorted(), [id + ".json", id + ".xml"])
        let json = try JSONDecoder().decode(InboxMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: root + "/inbox/" + id + ".json")))
        XCTAssertEqual(json.receivedAt, "2026-12-01T10:00:00Z", "the first write stands")
        var info = stat()
        XCTAssertEqual(stat(root + "/inbox/" + id + ".xml", &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o640)
    }

    func testACrashBetweenTheTwoFilesIsCompleted() throws {
        let id = "a1"
        _ = FileManager.default.createFile(atPath: root + "/inbox/a1.xml", contents: Data("<x/>".utf8))
        try writer.write(document: Array("<x/>".utf8), metadata: metadata(id))
        XCTAssertTrue(FileManager.default.fileExists(atPath: root + "/inbox/a1.json"))
    }

    func testOtherContentUnderTheNameIsNeverOverwritten() throws {
        _ = FileManager.default.createFile(atPath: root + "/inbox/b2.xml", contents: Data("<other/>".utf8))
        XCTAssertThrowsError(try writer.write(document: Array("<x/>".utf8), metadata: metadata("b2")))
        XCTAssertEqual(try String(contentsOfFile: root + "/inbox/b2.xml", encoding: .utf8), "<other/>")
    }

    func testOddMessageIdsBecomeSafeNames() {
        XCTAssertEqual(InboxWriter.fileName(forMessageId: "0b6f3c1e-2a6d"), "0b6f3c1e-2a6d")
        XCTAssertEqual(InboxWriter.fileName(forMessageId: "../etc/passwd"), "%2E%2E%2Fetc%2Fpasswd")
        XCTAssertFalse(InboxWriter.fileName(forMessageId: String(repeating: "a", count: 500)).contains("/"))
    }

    /// A second, different AppRec from the same sender for the same drop is kept under its
    /// message id; the same one again finds its file.
    func testAnotherAppRecFromTheSameSenderIsKept() throws {
        try FileManager.default.createDirectory(atPath: root + "/receipts", withIntermediateDirectories: true)
        let receipts = ReceiptWriter(receipts: root + "/receipts", durable: DurableFiles(tempDirectory: root + "/.dropbridge/tmp", fileMode: 0o640))
        let first = try receipts.writeAppRec(Array("<AppRec>1</AppRec>".utf8), dropName: "d", senderHerId: 7, messageId: "m1")
        let again = try receipts.writeAppRec(Array("<AppRec>1</AppRec>".utf8), dropName: "d", senderHerId: 7, messageId: "m1")
        let second = try receipts.writeAppRec(Array("<AppRec>2</AppRec>".utf8), dropName: "d", senderHerId: 7, messageId: "m2")
        XCTAssertEqual(first, "d.apprec.7.xml")
        XCTAssertEqual(again, first)
        XCTAssertEqual(second, "d.apprec.7.m2.xml")
        XCTAssertEqual(try String(contentsOfFile: root + "/receipts/" + second, encoding: .utf8), "<AppRec>2</AppRec>")
        XCTAssertEqual(try String(contentsOfFile: root + "/receipts/" + first, encoding: .utf8), "<AppRec>1</AppRec>")
    }
}
