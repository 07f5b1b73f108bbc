import Foundation
import XCTest

@testable import Simulator

/// The pure parts: multipart parsing, form flattening, recipient numbers, text rules and the
/// status timeline.
final class CorrespondenceUnitTests: XCTestCase {
    func testMultipartPartsAreBinarySafeAndNamed() throws {
        var body = MultipartBody(boundary: "b0undary")
        body.field("correspondence.resourceId", "res")
        let content: [UInt8] = [0, 13, 10, 45, 45, 98, 48, 13, 10, 255]
        body.file(fileName: "a.xml", content)
        let parsed = try MultipartFormData(body: Array("preamble\r\n".utf8) + body.bytes + Array("epilogue".utf8), boundary: "b0undary")
        XCTAssertEqual(parsed.parts.count, 2)
        XCTAssertEqual(parsed.parts[0].name, "correspondence.resourceId")
        XCTAssertEqual(parsed.parts[0].text, "res")
        XCTAssertNil(parsed.parts[0].fileName)
        XCTAssertEqual(parsed.parts[1].fileName, "a.xml")
        XCTAssertEqual(parsed.parts[1].contentType, "application/xml")
        XCTAssertEqual(parsed.parts[1].content, content)
    }

    func testMultipartHeadersQuotedAndExtendedFileNames() throws {
        let raw = "--x\r\nContent-Disposition: form-data; name=\"attachments\"; filename=\"a;b.xml\"; filename*=UTF-8''v%C3%A6r.xml\r\n\r\nX\r\n--x--"
        let parsed = try MultipartFormData(body: Array(raw.utf8), boundary: "x")
        XCTAssertEqual(parsed.parts.first?.fileName, "vær.xml")
        XCTAssertEqual(MultipartFormData.boundary(contentType: "multipart/form-data; boundary=\"abc def\""), "abc def")
        XCTAssertNil(MultipartFormData.boundary(contentType: "multipart/form-data"))
        XCTAssertNil(MultipartFormData.boundary(contentType: "application/json; boundary=x"))
    }

    func testMalformedMultipartIsRefused() {
        for raw in [
            "no boundary at all",
            "--x\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated",
            "--x\r\nX-Other: 1\r\n\r\nv\r\n--x--",
            "--x\r\nContent-Disposition: attachment; name=\"a\"\r\n\r\nv\r\n--x--",
            "--xjunk",
        ] {
            XCTAssertThrowsError(try MultipartFormData(body: Array(raw.utf8), boundary: "x"), raw)
        }
    }

    func testFormFieldsNestByDotsAndIndexesCaseInsensitively() throws {
        let tree = FormTree.form([
            ("Correspondence.Content.Attachments[0].FileName", "a.xml"), ("correspondence.content.attachments[1].fileName", "b.xml"),
            ("correspondence.content.attachments[3].fileName", "after-a-gap.xml"),
            ("recipients", "r1"), ("recipients", "r2"), ("correspondence.propertyList.SaksNr", "1"),
        ])
        let request = try CorrespondenceRequest.bind(tree, fromForm: true)
        XCTAssertEqual(request.correspondence?.content?.attachments.map(\.fileName), ["a.xml", "b.xml"])
        XCTAssertEqual(request.recipients, ["r1", "r2"])
        XCTAssertEqual(request.correspondence?.propertyList.first?.key, "SaksNr", "dictionary keys keep their case")

        let deep = FormTree.form([(String(repeating: "a.", count: 5_000) + "b", "v"), ("recipients[0]", "r")])
        XCTAssertEqual(deep, .object([(key: "recipients", value: .list([.text("r")]))]), "too deep a name is not bound")
    }

    func testJSONKeepsTypesApart() throws {
        let tree = try FormTree.json(Array(#"{"correspondence":{"isConfirmationNeeded":"true"}}"#.utf8))
        XCTAssertThrowsError(try CorrespondenceRequest.bind(tree, fromForm: false))
        let good = try FormTree.json(Array(#"{"Correspondence":{"IsConfirmationNeeded":true,"notification":{"notificationChannel":1}}}"#.utf8))
        let request = try CorrespondenceRequest.bind(good, fromForm: false)
        XCTAssertEqual(request.correspondence?.isConfirmationNeeded, true)
        XCTAssertEqual(request.correspondence?.notification?.notificationChannel, "Sms", "enums by number")
    }

    func testModElevenChecks() {
        XCTAssertTrue(RecipientIdentifier.isOrganizationNumber("991825827"))
        XCTAssertFalse(RecipientIdentifier.isOrganizationNumber("991825828"))
        XCTAssertTrue(RecipientIdentifier.isOrganizationNumber(TestParties.otherOrganizationNumber))
        for serial in 0..<20 {
            let number = TestParties.nationalIdentityNumber(serial: serial)
            XCTAssertTrue(RecipientIdentifier.isNationalIdentityNumber(number))
            var wrong = Array(number)
            wrong[10] = wrong[10] == "0" ? "1" : "0"
            XCTAssertFalse(RecipientIdentifier.isNationalIdentityNumber(String(wrong)))
        }
        XCTAssertEqual(RecipientIdentifier.parse("0192:991825827")?.urn, TestParties.organization)
        XCTAssertNil(RecipientIdentifier.parse("urn:altinn:organization:identifier-no:99182582"))
        XCTAssertNil(RecipientIdentifier.parse("urn:altinn:person:legacy-selfidentified:a:b"))
    }

    func testPlainTextAndMarkdownRules() {
        XCTAssertTrue(TextFormatRules.isPlainText("Vedtak i sak #404 med *stjerne* og _strek_ og `kode`"))
        XCTAssertFalse(TextFormatRules.isPlainText("# Vedtak"))
        XCTAssertFalse(TextFormatRules.isPlainText("## Vedtak"))
        XCTAssertTrue(TextFormatRules.isPlainText("#Vedtak"))
        XCTAssertFalse(TextFormatRules.isPlainText("<h1>Vedtak</h1>"))
        XCTAssertTrue(TextFormatRules.isPlainText("2 < 3 og 4 > 1"))
        XCTAssertTrue(TextFormatRules.isMarkdown("**Hei** [lenke](https://example.org) <https://example.org>"))
        XCTAssertTrue(TextFormatRules.isMarkdown("`<b>` og\n```\n<xml/>\n```"))
        XCTAssertFalse(TextFormatRules.isMarkdown("Hei <b>deg</b>"))
        XCTAssertFalse(TextFormatRules.isMarkdown("<!-- kommentar -->"))
    }

    func testTheTimelineMovesWithTheClockAndStatusIsTheHighest() throws {
        let created = Date(timeIntervalSince1970: 1_000_000)
        var timeline = CorrespondenceTimeline(
            created: created, reserved: false, hasAttachments: true, scanSeconds: 10, requestedPublishTime: nil, failure: nil,
            isConfirmationNeeded: true, readSeconds: nil, confirmSeconds: nil)
        XCTAssertEqual(timeline.initialStatus, .initialized)
        XCTAssertEqual(timeline.current(at: created + 5).status, .initialized)
        XCTAssertEqual(timeline.current(at: created + 10).status, .published)
        XCTAssertThrowsError(try timeline.markRead(at: created + 5))
        XCTAssertThrowsError(try timeline.markConfirmed(at: created + 11))
        try timeline.markRead(at: created + 20)
        try timeline.markConfirmed(at: created + 30)
        XCTAssertEqual(timeline.current(at: created + 25).status, .read)
        XCTAssertEqual(timeline.current(at: created + 31).status, .confirmed)
        XCTAssertEqual(timeline.history(at: created + 31).map(\.status), [.initialized, .readyForPublish, .published, .fetched, .read, .confirmed])

        let later = CorrespondenceTimeline(
            created: created, reserved: false, hasAttachments: false, scanSeconds: 10, requestedPublishTime: created + 100,
            failure: nil, isConfirmationNeeded: false, readSeconds: 1, confirmSeconds: 1)
        XCTAssertEqual(later.initialStatus, .readyForPublish)
        XCTAssertEqual(later.current(at: created + 99).status, .readyForPublish, "waits for requestedPublishTime")
        XCTAssertEqual(later.current(at: created + 101).status, .read)

        let failed = CorrespondenceTimeline(
            created: created, reserved: false, hasAttachments: true, scanSeconds: 1, requestedPublishTime: nil, failure: "No party",
            isConfirmationNeeded: false, readSeconds: 1, confirmSeconds: nil)
        XCTAssertEqual(failed.current(at: created + 60).status, .failed)
        XCTAssertEqual(failed.current(at: created + 60).statusText, "No party")
        XCTAssertNil(failed.read(at: created + 60))
    }

    func testDatesParseWithOffsetsFractionsOrNoneAndFormatWithAnOffset() throws {
        let expected = Date(timeIntervalSince1970: 1_790_848_800)  // 2026-10-01T10:00:00Z
        XCTAssertEqual(AltinnDate.parse("2026-10-01T12:00:00+02:00"), expected)
        XCTAssertEqual(AltinnDate.parse("2026-10-01T10:00:00Z"), expected)
        XCTAssertEqual(AltinnDate.parse("2026-10-01T10:00:00"), expected, "no offset is UTC")
        let fractional = try XCTUnwrap(AltinnDate.parse("2026-10-01T10:00:00.250Z"))
        XCTAssertEqual(fractional.timeIntervalSince(expected), 0.25, accuracy: 0.001)
        XCTAssertNil(AltinnDate.parse("1. oktober"))
        let formatted = AltinnDate.format(fractional)
        XCTAssertTrue(formatted.hasSuffix("+00:00"), formatted)
        XCTAssertEqual(AltinnDate.parse(formatted), fractional)
    }
}
