import AltinnClient
import Bridge
import Ledger
import XCTest

/// The status tracker as a plain value: milestones by their own times, final states, backoff.
final class AltinnStatusTrackerTests: XCTestCase {
    let tracker = AltinnStatusTracker(maxInterval: 60)

    func row() -> AltinnSendRecord {
        var row = AltinnSendRecord(idempotentKey: "k", dropId: 1, recipientIndex: 0, recipient: "r", now: 0)
        row.state = .accepted
        row.acceptedAt = 0
        return row
    }

    func testPublishedThenReadEndsPollingWithoutConfirmation() {
        var row = row()
        XCTAssertTrue(tracker.apply(CorrespondenceOverview(status: "Initialized", isConfirmationNeeded: false), to: &row, now: 1))
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "accepted")
        XCTAssertTrue(tracker.apply(CorrespondenceOverview(status: "Published", published: "2026-12-01T10:00:00Z"), to: &row, now: 2))
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "published")
        XCTAssertFalse(row.pollDone)
        XCTAssertTrue(tracker.apply(
            CorrespondenceOverview(status: "Read", published: "2026-12-01T10:00:00Z", read: "2026-12-01T10:05:00Z", isConfirmationNeeded: false),
            to: &row, now: 3))
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "read")
        XCTAssertTrue(row.pollDone)
        XCTAssertEqual(row.events?.map(\.type), ["published", "read"])
        XCTAssertEqual(row.events?.map(\.at), ["2026-12-01T10:00:00Z", "2026-12-01T10:05:00Z"])
    }

    func testAHigherNumberedStatusDoesNotHideConfirmed() {
        var row = row()
        _ = tracker.apply(
            CorrespondenceOverview(status: "Confirmed", statusChanged: "2026-12-01T11:00:00Z", published: "2026-12-01T10:00:00Z",
                                   read: "2026-12-01T10:30:00Z", isConfirmationNeeded: true), to: &row, now: 1)
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "confirmed")
        // Altinn's status is the highest enum value: AttachmentsDownloaded (12) hides Confirmed (6).
        _ = tracker.apply(
            CorrespondenceOverview(status: "AttachmentsDownloaded", statusChanged: "2026-12-01T12:00:00Z", isConfirmationNeeded: true),
            to: &row, now: 2)
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "confirmed")
        XCTAssertEqual(row.confirmedAt, "2026-12-01T11:00:00Z")
        XCTAssertTrue(row.pollDone)
    }

    func testAConfirmationHiddenByALaterStatusIsTakenFromTheHistory() {
        var row = row()
        let hiding = CorrespondenceOverview(
            status: "AttachmentsDownloaded", published: "2026-12-01T10:00:00Z", read: "2026-12-01T10:30:00Z", isConfirmationNeeded: true)
        _ = tracker.apply(hiding, to: &row, now: 1)
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "read")
        XCTAssertTrue(AltinnStatusTracker.needsHistory(hiding, row))
        XCTAssertTrue(tracker.applyHistory(
            [CorrespondenceOverview(status: "Published", statusChanged: "2026-12-01T10:00:00Z"),
             CorrespondenceOverview(status: "Confirmed", statusChanged: "2026-12-01T10:40:00Z"),
             CorrespondenceOverview(status: "AttachmentsDownloaded", statusChanged: "2026-12-01T10:50:00Z")], to: &row))
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "confirmed")
        XCTAssertEqual(row.confirmedAt, "2026-12-01T10:40:00Z")
        XCTAssertTrue(row.pollDone)
        XCTAssertFalse(AltinnStatusTracker.needsHistory(hiding, row), "read once, not on every poll")
        XCTAssertFalse(AltinnStatusTracker.needsHistory(CorrespondenceOverview(status: "Read", isConfirmationNeeded: true), row))
    }

    func testReadIsNotFinalWhenConfirmationIsNeeded() {
        var row = row()
        _ = tracker.apply(CorrespondenceOverview(status: "Read", read: "2026-12-01T10:05:00Z", isConfirmationNeeded: true), to: &row, now: 1)
        XCTAssertFalse(row.pollDone)
    }

    func testFailedIsFinalWithItsText() {
        var row = row()
        _ = tracker.apply(
            CorrespondenceOverview(status: "Failed", statusText: "Recipient reserved in KRR", statusChanged: "2026-12-01T10:00:00Z"),
            to: &row, now: 1)
        XCTAssertEqual(AltinnStatusTracker.receiptStatus(row), "failed")
        XCTAssertEqual(row.statusText, "Recipient reserved in KRR")
        XCTAssertTrue(row.pollDone)
    }

    func testGoneIsFinal() {
        var row = row()
        XCTAssertTrue(tracker.apply(nil, to: &row, now: 1))
        XCTAssertTrue(row.pollDone)
    }

    func testQuietPollsBackOffToTheMaximumAndAChangeStartsShortAgain() {
        var row = row()
        let quiet = CorrespondenceOverview(status: "Initialized")
        _ = tracker.apply(quiet, to: &row, now: 0)
        var intervals: [Double] = []
        for step in 1...8 {
            _ = tracker.apply(quiet, to: &row, now: Double(step))
            intervals.append((row.nextPollAt ?? 0) - Double(step))
        }
        XCTAssertEqual(intervals.prefix(3), [2, 4, 8])
        XCTAssertEqual(intervals.last, 60)
        _ = tracker.apply(CorrespondenceOverview(status: "Published", published: "2026-12-01T10:00:00Z"), to: &row, now: 100)
        XCTAssertEqual(row.nextPollAt, 101)
    }

    func testInitializedIsStuckOnlyAfterTheScanHadAllTheTimeItNeeds() {
        var row = row()
        row.altinnStatus = "Initialized"
        XCTAssertFalse(AltinnStatusTracker.isStuck(row, now: 600), "10 minutes in Initialized is still normal")
        XCTAssertTrue(AltinnStatusTracker.isStuck(row, now: 15 * 60 + 1))
    }
}

/// The Altinn client's pieces without a server: the streamed multipart body, the answers'
/// classification, the keys.
final class AltinnClientPartsTests: XCTestCase {
    func testTheMultipartBodyStreamsTheFileInChunksWithThePromisedLength() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mp-\(UUID().uuidString).xml").path
        let document = Array(repeating: Array("<a>æøå</a>\n".utf8), count: 50_000).flatMap { $0 }
        try Data(document).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let form = MultipartForm(
            fields: [("correspondence.resourceId", "r"), ("recipients[0]", "urn:x")], fileField: "attachments",
            fileName: "vedtak.xml", fileType: "application/xml", file: .file(path: path, size: document.count), boundary: "B")
        var body: [UInt8] = []
        var chunks = 0
        for try await chunk in form.chunks(chunkSize: 64 * 1024) {
            chunks += 1
            XCTAssertLessThanOrEqual(chunk.readableBytes, 64 * 1024 + 200)
            body += chunk.readableBytesView
        }
        XCTAssertEqual(body.count, form.length)
        XCTAssertGreaterThan(chunks, 8, "the file is read in pieces, not whole")
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(text.hasPrefix("--B\r\nContent-Disposition: form-data; name=\"correspondence.resourceId\"\r\n\r\nr\r\n"))
        XCTAssertTrue(text.contains("name=\"attachments\"; filename=\"vedtak.xml\"\r\nContent-Type: application/xml\r\n\r\n<a>"))
        XCTAssertTrue(text.hasSuffix("\r\n--B--\r\n"))
        XCTAssertEqual(Array(body.dropFirst(body.count - document.count - 9).prefix(document.count)), document)
    }

    /// RFC 5987: `filename*` carries only attr-chars; each UTF-8 byte of `ø` is percent-encoded
    /// (Foundation's `.alphanumerics` counts `ø` as a letter and let it through raw).
    func testANonASCIIFileNameIsSentAsPercentEncodedUTF8() async throws {
        let form = MultipartForm(
            fields: [], fileField: "attachments", fileName: "vedtak ø.xml", fileType: "application/xml", file: .bytes(Array("<a/>".utf8)),
            boundary: "B")
        var body: [UInt8] = []
        for try await chunk in form.chunks() { body += chunk.readableBytesView }
        let text = String(decoding: body, as: UTF8.self)
        XCTAssertTrue(text.contains("; filename*=UTF-8''vedtak%20%C3%B8.xml\r\n"), text)
        XCTAssertEqual(MultipartForm.extendedValue("a-b_c.~!xml"), "a-b_c.~!xml")
    }

    func testAFileThatShrinksFailsTheBodyInsteadOfSendingItShort() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mp-\(UUID().uuidString).xml").path
        try Data("<a/>".utf8).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let form = MultipartForm(fields: [], fileField: "attachments", fileName: "a.xml", fileType: "application/xml", file: .file(path: path, size: 100))
        do {
            for try await _ in form.chunks() {}
            XCTFail("a short file must not make a short body")
        } catch {}
    }

    func testUUIDv5MatchesTheRFCExample() {
        // RFC 9562 appendix: namespace DNS, name "www.example.com".
        let dns = UUID(uuidString: "6ba7b810-9dad-11d1-80b4-00c04fd430c8")!
        XCTAssertEqual(UUIDv5.make(namespace: dns, name: "www.example.com").uuidString.lowercased(), "2ed6657d-e927-568b-95e1-2665a8aea6a2")
        func key(_ namespace: UUID = dns, letter: String = "c", recipient: String = "u1") -> String {
            UUIDv5.idempotentKey(namespace: namespace, contentHash: "h", correspondenceHash: letter, resourceId: "r", recipientURN: recipient)
        }
        XCTAssertEqual(key(), key())
        XCTAssertNotEqual(key(), key(recipient: "u2"))
        XCTAssertNotEqual(key(), key(UUID()))
        XCTAssertNotEqual(key(), key(letter: "another title"))
        // Length-prefixed: moving text from one field to the next is another letter.
        XCTAssertNotEqual(
            UUIDv5.correspondenceHash([("a", "bc"), ("d", "")]), UUIDv5.correspondenceHash([("a", "b"), ("cd", "")]))
    }

    func testProblemDetailsErrorCodeAsNumberOrString() {
        XCTAssertEqual(ProblemDetails.errorCode(.object(["errorCode": .number(1034)])), 1034)
        XCTAssertEqual(ProblemDetails.errorCode(.object(["errorCode": .string("CORR-01034")])), 1034)
        XCTAssertNil(ProblemDetails.errorCode(.object(["title": .string("x")])))
    }
}
