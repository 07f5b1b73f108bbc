import Foundation
import XCTest

@testable import Simulator

/// Each of the service's rules on `/upload`, answered with the real shape: the validation
/// problem (`errors` keyed by field) for model validation, ProblemDetails with `errorCode`
/// for business rules. Nothing refused is recorded.
final class CorrespondenceValidationTests: XCTestCase {
    var harness: AltinnHarness!

    override func setUp() async throws {
        harness = try await AltinnHarness.start(
            AltinnHarness.fast(
                reserved: [TestParties.nationalIdentityNumber(serial: 7)],
                unknown: [TestParties.otherOrganizationNumber]))
    }

    override func tearDown() async throws {
        try await harness?.shutDown()
        harness = nil
    }

    enum Expected {
        /// 400 validation problem with an `errors` key containing this text.
        case validation(String)
        case code(Int, status: Int = 400)
    }

    struct Case {
        var name: String
        var body: MultipartBody
        var expected: Expected
    }

    func replaced(_ field: String, _ value: String?, recipients: [String] = [TestParties.organization]) -> MultipartBody {
        .valid(recipients: recipients, extra: value.map { [(field, $0)] } ?? [], without: [field])
    }

    /// The valid body with `fields` added (replacing fields of the same name).
    func added(_ fields: [(String, String)], recipients: [String] = [TestParties.organization], idempotentKey: UUID? = UUID()) -> MultipartBody {
        .valid(recipients: recipients, idempotentKey: idempotentKey, extra: fields, without: Set(fields.map(\.0)))
    }

    func check(_ cases: [Case], file: StaticString = #filePath, line: UInt = #line) async throws {
        for test in cases {
            let reply = try await harness.upload(test.body)
            switch test.expected {
            case .validation(let key):
                XCTAssertEqual(reply.status, 400, "\(test.name): \(reply.text)", file: file, line: line)
                XCTAssertNil(reply.errorCode, "\(test.name): a validation problem has no errorCode", file: file, line: line)
                XCTAssertTrue(
                    reply.validationErrors.keys.contains { $0.lowercased().contains(key.lowercased()) },
                    "\(test.name): \(reply.text)", file: file, line: line)
                XCTAssertFalse((reply.json["validationErrors"] as? [Any] ?? []).isEmpty, test.name, file: file, line: line)
            case .code(let code, let status):
                XCTAssertEqual(reply.status, status, "\(test.name): \(reply.text)", file: file, line: line)
                XCTAssertEqual(reply.errorCode, code, "\(test.name): \(reply.text)", file: file, line: line)
                XCTAssertEqual(reply.json["code"] as? String, AltinnProblem.problemCode(code), test.name, file: file, line: line)
            }
        }
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(received.count, 0, "a refused request creates nothing", file: file, line: line)
    }

    func testRecipientRules() async throws {
        try await check([
            Case(name: "no recipients", body: .valid(recipients: []), expected: .validation("Recipients")),
            Case(name: "bare organisation number", body: .valid(recipients: ["991825827"]), expected: .validation("Recipients")),
            Case(name: "upper-case prefix", body: .valid(recipients: ["URN:ALTINN:ORGANIZATION:IDENTIFIER-NO:991825827"]),
                 expected: .validation("Recipients")),
            Case(name: "person failing mod-11", body: .valid(recipients: [RecipientIdentifier.personPrefix + "01018012345"]),
                 expected: .validation("Recipients")),
            Case(name: "501 recipients", body: .valid(
                recipients: (0..<501).map { TestParties.organizationNumber(prefix: String(10_000_000 + $0 * 7)) }
                    .map { RecipientIdentifier.organizationPrefix + $0 }, idempotentKey: nil),
                 expected: .validation("Recipients")),
            Case(name: "organisation failing mod-11 is unknown to Register",
                 body: .valid(recipients: [RecipientIdentifier.organizationPrefix + "991825828"]), expected: .code(1029, status: 404)),
            Case(name: "unknown organisation", body: .valid(recipients: [TestParties.otherOrganization]), expected: .code(1029, status: 404)),
            Case(name: "duplicates after normalisation",
                 body: .valid(recipients: [TestParties.organization, "0192:" + TestParties.organizationNumber], idempotentKey: nil),
                 expected: .code(1006)),
            Case(name: "a single person reserved in KRR", body: .valid(recipients: [TestParties.person(serial: 7)]),
                 expected: .code(1030, status: 422)),
        ])
    }

    func testContentRules() async throws {
        try await check([
            Case(name: "title missing", body: replaced("correspondence.content.messageTitle", nil), expected: .validation("MessageTitle")),
            Case(name: "title too long", body: replaced("correspondence.content.messageTitle", String(repeating: "a", count: 256)),
                 expected: .validation("MessageTitle")),
            Case(name: "title as a heading", body: replaced("correspondence.content.messageTitle", "# Vedtak"), expected: .code(1002)),
            Case(name: "title with HTML", body: replaced("correspondence.content.messageTitle", "<h1>Vedtak</h1>"), expected: .code(1002)),
            // [Required] refuses white space before the business rule (1020) is reached.
            Case(name: "title blank", body: replaced("correspondence.content.messageTitle", "   "), expected: .validation("MessageTitle")),
            Case(name: "body blank", body: replaced("correspondence.content.messageBody", "\n\n"), expected: .validation("MessageBody")),
            Case(name: "sendersReference blank", body: replaced("correspondence.sendersReference", " \t"),
                 expected: .validation("SendersReference")),
            Case(name: "summary too long", body: replaced("correspondence.content.messageSummary", String(repeating: "s", count: 256)),
                 expected: .validation("MessageSummary")),
            Case(name: "body missing", body: replaced("correspondence.content.messageBody", nil), expected: .validation("MessageBody")),
            Case(name: "body too long", body: replaced("correspondence.content.messageBody", String(repeating: "b", count: 30_001)),
                 expected: .validation("MessageBody")),
            Case(name: "body with raw HTML", body: replaced("correspondence.content.messageBody", "Hei <script>x</script>"),
                 expected: .code(1003)),
            Case(name: "language not supported", body: replaced("correspondence.content.language", "sv"), expected: .code(1023)),
            Case(name: "language not two letters", body: replaced("correspondence.content.language", "nob"), expected: .validation("Language")),
            Case(name: "messageSender with HTML", body: added([("correspondence.messageSender", "<b>Kommunen</b>")]), expected: .code(1039)),
            Case(name: "sendersReference missing", body: replaced("correspondence.sendersReference", nil),
                 expected: .validation("SendersReference")),
            Case(name: "sendersReference too long", body: replaced("correspondence.sendersReference", String(repeating: "r", count: 4097)),
                 expected: .validation("SendersReference")),
        ])
    }

    func testResourceDateAndListRules() async throws {
        let past = AltinnDate.format(Date() - 3600)
        let future = AltinnDate.format(Date() + 86_400)
        try await check([
            Case(name: "resource missing", body: replaced("correspondence.resourceId", nil), expected: .validation("ResourceId")),
            Case(name: "resource unknown", body: replaced("correspondence.resourceId", "someone-elses"), expected: .code(1036)),
            Case(name: "resource with a colon", body: replaced("correspondence.resourceId", "a:b"), expected: .validation("ResourceId")),
            Case(name: "confidential flag on a plain resource", body: added([("correspondence.isConfidential", "true")]),
                 expected: .code(1061)),
            Case(name: "confirmation without a due date", body: added([("correspondence.isConfirmationNeeded", "true")]),
                 expected: .code(1016)),
            Case(name: "due date in the past", body: added([("correspondence.dueDateTime", past)]), expected: .code(1008)),
            Case(name: "due date before publishing",
                 body: added([("correspondence.dueDateTime", future), ("correspondence.requestedPublishTime", AltinnDate.format(Date() + 2 * 86_400))]),
                 expected: .code(1009)),
            Case(name: "due date not a date", body: added([("correspondence.dueDateTime", "tomorrow")]), expected: .validation("dueDateTime")),
            Case(name: "a boolean that is not one", body: added([("correspondence.isConfirmationNeeded", "yes")]),
                 expected: .validation("isConfirmationNeeded")),
            Case(name: "11 properties", body: added((0..<11).map { ("correspondence.propertyList.key\($0)", "v") }),
                 expected: .validation("PropertyList")),
            Case(name: "property key of 51", body: added([("correspondence.propertyList." + String(repeating: "k", count: 51), "v")]),
                 expected: .validation("PropertyList")),
            Case(name: "property value of 301", body: added([("correspondence.propertyList.saksnr", String(repeating: "v", count: 301))]),
                 expected: .validation("PropertyList")),
            Case(name: "reply option over http", body: added([("correspondence.replyOptions[0].linkURL", "http://example.org/svar")]),
                 expected: .code(1035)),
            Case(name: "11 external references",
                 body: added((0..<11).map { ("correspondence.externalReferences[\($0)].referenceValue", "v\($0)") }),
                 expected: .validation("ExternalReferences")),
            Case(name: "empty idempotent key",
                 body: .valid(idempotentKey: nil, extra: [("idempotentKey", "00000000-0000-0000-0000-000000000000")]),
                 expected: .validation("IdempotentKey")),
            Case(name: "idempotent key not a GUID", body: .valid(idempotentKey: nil, extra: [("idempotentKey", "drop-1")]),
                 expected: .validation("idempotentKey")),
        ])
    }

    func testAttachmentRules() async throws {
        func named(_ name: String) -> MultipartBody { .valid(fileName: name) }
        try await check([
            Case(name: "extension not allowed", body: named("vedtak.exe"), expected: .code(2013)),
            Case(name: "no extension", body: named("vedtak"), expected: .code(2013)),
            Case(name: "invalid character", body: named("ved|tak.xml"), expected: .code(2012)),
            Case(name: "an invalid character and type: the type is judged first", body: named("ved|tak.exe"), expected: .code(2013)),
            Case(name: "blank: no [Required] on FileName, so the business rule", body: named("  "), expected: .code(2010)),
            Case(name: "reserved Windows name", body: named("CON.xml"), expected: .code(2021)),
            Case(name: "name too long", body: named(String(repeating: "n", count: 252) + ".xml"), expected: .validation("FileName")),
            Case(name: "metadata without a file", body: .valid(without: ["file"]), expected: .code(1005)),
            Case(name: "file named differently from its metadata", body: {
                var body = MultipartBody.valid(without: ["file"])
                body.file(fileName: "annet.xml", Array("<a/>".utf8))
                return body
            }(), expected: .code(1005)),
            Case(name: "empty file", body: .valid(attachment: []), expected: .code(2004)),
            Case(name: "file over the size limit", body: .valid(attachment: Array(repeating: 0x41, count: 1_000_001)), expected: .code(2004)),
            Case(name: "checksum mismatch", body: .valid(
                extra: [("correspondence.content.attachments[0].checksum", Checksums.md5Hex(Array("other".utf8)))],
                without: ["correspondence.content.attachments[0].checksum"]), expected: .code(2008)),
            Case(name: "checksum in upper case", body: .valid(
                extra: [("correspondence.content.attachments[0].checksum", Checksums.md5Hex(Array("<?xml version=\"1.0\"?><vedtak>ja</vedtak>".utf8)).uppercased())],
                without: ["correspondence.content.attachments[0].checksum"]), expected: .validation("Checksum")),
            Case(name: "expiry below the minimum", body: added([("correspondence.content.attachments[0].expirationInDays", "0")]),
                 expected: .code(2017)),
            Case(name: "attachment without its sendersReference",
                 body: .valid(without: ["correspondence.content.attachments[0].sendersReference"]), expected: .validation("SendersReference")),
        ])
    }

    func testNotificationRules() async throws {
        let prefix = "correspondence.notification."
        try await check([
            Case(name: "e-mail without its texts", body: added([(prefix + "notificationChannel", "Email")]), expected: .code(3002)),
            Case(name: "SMS without its text", body: added([(prefix + "notificationChannel", "Sms")]), expected: .code(3004)),
            Case(name: "preferred channel without all texts",
                 body: added([(prefix + "notificationChannel", "EmailPreferred"), (prefix + "smsBody", "Hei")]), expected: .code(3006)),
            Case(name: "e-mail and SMS without all texts",
                 body: added([(prefix + "notificationChannel", "EmailAndSms"), (prefix + "smsBody", "Hei")]), expected: .code(3024)),
            Case(name: "reminder without its texts",
                 body: added([(prefix + "notificationChannel", "Sms"), (prefix + "smsBody", "Hei"), (prefix + "sendReminder", "true")]),
                 expected: .code(3005)),
            Case(name: "unknown channel", body: added([(prefix + "notificationChannel", "Pigeon")]), expected: .validation("notificationChannel")),
            Case(name: "e-mail subject too long",
                 body: added([(prefix + "emailSubject", String(repeating: "e", count: 513)), (prefix + "emailBody", "b")]),
                 expected: .validation("EmailSubject")),
            Case(name: "custom recipient with two identifiers",
                 body: added([
                    (prefix + "notificationTemplate", "GenericAltinnMessage"),
                    (prefix + "customRecipients[0].emailAddress", "a@b.no"), (prefix + "customRecipients[0].mobileNumber", "+4799999999"),
                 ]), expected: .code(3018)),
            Case(name: "custom recipient with a bad mobile number",
                 body: added([
                    (prefix + "notificationTemplate", "GenericAltinnMessage"), (prefix + "customRecipients[0].mobileNumber", "99999999"),
                 ]), expected: .code(3012)),
            Case(name: "override without custom recipients",
                 body: added([
                    (prefix + "notificationTemplate", "GenericAltinnMessage"), (prefix + "overrideRegisteredContactInformation", "true"),
                 ]), expected: .code(3022)),
        ])
    }

    func testAValidNotificationAndEveryOptionalFieldAreAccepted() async throws {
        let prefix = "correspondence.notification."
        let reply = try await harness.upload(added([
            (prefix + "notificationTemplate", "CustomMessage"), (prefix + "notificationChannel", "EmailPreferred"),
            (prefix + "emailSubject", "Ny melding"), (prefix + "emailBody", "Du har en ny melding i Altinn"),
            (prefix + "smsBody", "Ny melding i Altinn"), (prefix + "sendReminder", "true"),
            (prefix + "reminderEmailSubject", "Påminnelse"), (prefix + "reminderEmailBody", "Husk meldingen"),
            (prefix + "reminderSmsBody", "Husk meldingen"),
            ("correspondence.isConfirmationNeeded", "true"), ("correspondence.dueDateTime", AltinnDate.format(Date() + 86_400)),
            ("correspondence.propertyList.saksnr", "2026/123"), ("correspondence.replyOptions[0].linkURL", "https://example.org/svar"),
            ("correspondence.externalReferences[0].referenceValue", "abc"),
            ("correspondence.externalReferences[0].referenceType", "Generic"),
            ("correspondence.content.messageBody", "Tekst med `<kode>` og\n\n```\n<xml/>\n```\n"),
            ("correspondence.content.attachments[0].expirationInDays", "30"),
        ]))
        XCTAssertEqual(reply.status, 200, reply.text)
    }

    func testBodiesThatAreNotTheRightFormAreRefusedBeforeAnyRule() async throws {
        let token = try await harness.token()
        let notMultipart = try await harness.request(
            .POST, AltinnHarness.base + "/upload", token: .value(token),
            headers: [("Accept", "application/json"), ("Content-Type", "application/json")], body: Array("{}".utf8))
        XCTAssertEqual(notMultipart.status, 415)

        let noBoundary = try await harness.request(
            .POST, AltinnHarness.base + "/upload", token: .value(token),
            headers: [("Accept", "application/json"), ("Content-Type", "multipart/form-data")], body: Array("x".utf8))
        XCTAssertEqual(noBoundary.status, 400)
        XCTAssertNil(noBoundary.errorCode)

        let truncated = MultipartBody.valid().bytes.dropLast(30)
        let broken = try await harness.request(
            .POST, AltinnHarness.base + "/upload", token: .value(token),
            headers: [("Accept", "application/json"), ("Content-Type", "multipart/form-data; boundary=\(MultipartBody.valid().boundary)")],
            body: Array(truncated))
        XCTAssertEqual(broken.status, 400, broken.text)
        XCTAssertTrue(broken.text.contains("Failed to read the request form"), broken.text)

        // maxRequestBytes is 2,000,000 in the harness.
        let huge = try await harness.upload(.valid(attachment: Array(repeating: 0x41, count: 2_000_001)), token: .value(token))
        XCTAssertEqual(huge.status, 413)

        let notJSON = try await harness.request(
            .POST, AltinnHarness.base, token: .value(token),
            headers: [("Accept", "application/json"), ("Content-Type", "application/json")], body: Array("{not json".utf8))
        XCTAssertEqual(notJSON.status, 400)
        XCTAssertNotNil(notJSON.validationErrors["$"], notJSON.text)
        let wrongType = try await harness.initialize(["correspondence": ["isConfirmationNeeded": "true"], "recipients": "x"])
        XCTAssertEqual(wrongType.status, 400)
        XCTAssertNotNil(wrongType.validationErrors["$.correspondence.isConfirmationNeeded"], wrongType.text)
        XCTAssertNotNil(wrongType.validationErrors["$.recipients"], "a JSON string is not a list: \(wrongType.text)")
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertTrue(received.isEmpty)
    }
}
