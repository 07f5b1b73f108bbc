import DropbridgeCore
import Foundation
import XCTest

/// Each rule of the Altinn sidecar, one at a time: a valid sidecar with one field broken is
/// refused at validation, and the refusal names the field.
final class AltinnSidecarRuleTests: XCTestCase {
    static let org = "urn:altinn:organization:identifier-no:910753614"
    static let person = "urn:altinn:person:identifier-no:15038545660"

    func valid() -> AltinnSidecar {
        var sidecar = AltinnSidecar(recipients: [Self.org, Self.person])
        sidecar.resourceId = "dropbridge-resource"
        sidecar.sendersReference = "case-2026-117"
        sidecar.content = AltinnContent(language: "nb", messageTitle: "Vedtak i sak 117", messageBody: "Hei.\n\nVedtaket ligger **vedlagt**.")
        return sidecar
    }

    func refusal(_ change: (inout AltinnSidecar) -> Void, defaultResource: String = "", file: StaticString = #filePath, line: UInt = #line) -> String? {
        var sidecar = valid()
        change(&sidecar)
        do {
            _ = try AltinnCorrespondence.validate(sidecar, defaultResourceId: defaultResource, dropName: "vedtak")
            return nil
        } catch {
            XCTAssertEqual(error.stage, .validation, file: file, line: line)
            return error.reason
        }
    }

    func assertRefused(_ field: String, _ change: (inout AltinnSidecar) -> Void, file: StaticString = #filePath, line: UInt = #line) {
        guard let reason = refusal(change, file: file, line: line) else {
            return XCTFail("accepted, expected a refusal naming \(field)", file: file, line: line)
        }
        XCTAssertTrue(reason.contains("\"\(field)\""), "\(reason) does not name \(field)", file: file, line: line)
    }

    func testValidSidecarResolvesEverything() throws {
        let resolved = try AltinnCorrespondence.validate(valid(), defaultResourceId: "", dropName: "vedtak")
        XCTAssertEqual(resolved.recipients.map(\.kind), [.organization, .person])
        XCTAssertEqual(resolved.attachmentName, "vedtak.xml")
        XCTAssertEqual(resolved.language, "nb")
        XCTAssertEqual(resolved.resourceId, "dropbridge-resource")
    }

    func testRecipients() {
        assertRefused("recipients") { $0.recipients = [] }
        assertRefused("recipients") { $0.recipients = Array(repeating: Self.org, count: 501) }
        assertRefused("recipients[0]") { $0.recipients = ["910753614"] }  // bare digits: 400 at Altinn
        assertRefused("recipients[0]") { $0.recipients = ["urn:altinn:organization:identifier-no:910753615"] }  // check digit
        assertRefused("recipients[0]") { $0.recipients = ["urn:altinn:organization:identifier-no:91075361"] }  // 8 digits
        assertRefused("recipients[1]") { $0.recipients = [Self.org, "urn:altinn:person:identifier-no:15038545661"] }  // k2
        assertRefused("recipients[1]") { $0.recipients = [Self.org, "urn:altinn:person:identifier-no:15038545760"] }  // k1
        assertRefused("recipients[1]") { $0.recipients = [Self.org, Self.org] }
        XCTAssertNil(refusal { $0.recipients = Array(repeating: "", count: 0) + [Self.person] })
    }

    func testRefusalNeverRepeatsThePersonNumber() {
        let reason = refusal { $0.recipients = ["urn:altinn:person:identifier-no:15038545661"] } ?? ""
        XCTAssertFalse(reason.contains("15038545661"), reason)
        let person = AltinnRecipient(kind: .person, number: "15038545660")
        XCTAssertFalse(person.logForm.contains("15038545660"))
        XCTAssertTrue(person.logForm.hasPrefix("person:"))
    }

    func testResourceId() {
        assertRefused("resourceId") { $0.resourceId = nil }
        assertRefused("resourceId") { $0.resourceId = "a:b" }
        assertRefused("resourceId") { $0.resourceId = String(repeating: "r", count: 256) }
        XCTAssertNil(refusal({ $0.resourceId = nil }, defaultResource: "from-config"))
        XCTAssertNil(refusal { $0.resourceId = "urn:altinn:resource:with-prefix" })
    }

    func testSendersReference() {
        assertRefused("sendersReference") { $0.sendersReference = nil }
        assertRefused("sendersReference") { $0.sendersReference = "" }
        assertRefused("sendersReference") { $0.sendersReference = String(repeating: "x", count: 4097) }
        XCTAssertNil(refusal { $0.sendersReference = String(repeating: "x", count: 4096) })
    }

    func testContent() {
        assertRefused("content") { $0.content = nil }
        assertRefused("content.messageTitle") { $0.content?.messageTitle = nil }
        assertRefused("content.messageTitle") { $0.content?.messageTitle = String(repeating: "t", count: 256) }
        assertRefused("content.messageTitle") { $0.content?.messageTitle = "# Overskrift" }
        assertRefused("content.messageTitle") { $0.content?.messageTitle = "<h1>Vedtak</h1>" }
        XCTAssertNil(refusal { $0.content?.messageTitle = "Sak #404 med *stjerne* og `kode`" })
        assertRefused("content.messageSummary") { $0.content?.messageSummary = String(repeating: "s", count: 256) }
        assertRefused("content.messageBody") { $0.content?.messageBody = "" }
        assertRefused("content.messageBody") { $0.content?.messageBody = String(repeating: "b", count: 30_001) }
        assertRefused("content.messageBody") { $0.content?.messageBody = "Hei <b>du</b>" }
        XCTAssertNil(refusal { $0.content?.messageBody = "Koden `<b>` er ikke HTML her.\n\n```\n<xml/>\n```" })
        assertRefused("content.language") { $0.content?.language = "sv" }
        XCTAssertNil(refusal { $0.content?.language = "EN" })
    }

    func testConfirmationNeedsDueDate() {
        assertRefused("dueDateTime") { $0.isConfirmationNeeded = true }
        assertRefused("dueDateTime") { $0.dueDateTime = "tomorrow" }
        assertRefused("dueDateTime") { $0.dueDateTime = "2001-01-01T00:00:00Z" }
        XCTAssertNil(refusal {
            $0.isConfirmationNeeded = true
            $0.dueDateTime = "2099-10-01T12:00:00+02:00"
        })
    }

    func testPropertyList() {
        assertRefused("propertyList") { $0.propertyList = Dictionary(uniqueKeysWithValues: (0..<11).map { ("k\($0)", "v") }) }
        assertRefused("propertyList") { $0.propertyList = [String(repeating: "k", count: 51): "v"] }
        assertRefused("propertyList.saksnr") { $0.propertyList = ["saksnr": String(repeating: "v", count: 301)] }
        assertRefused("propertyList") { $0.propertyList = ["sak.nr": "2026/117"] }
        assertRefused("propertyList") { $0.propertyList = ["sak[0]": "2026/117"] }
        assertRefused("propertyList") { $0.propertyList = ["Saksnr": "1", "saksnr": "2"] }
        let echoed = refusal { $0.propertyList = ["fnr.15038545660": "x"] } ?? ""
        XCTAssertFalse(echoed.contains("15038545660"), echoed)
        XCTAssertNil(refusal { $0.propertyList = ["saksnr": "2026/117", "sak-nr_2": "x"] })
        XCTAssertNil(refusal { $0.propertyList = ["saksnr": "2026/117"] })
    }

    func testNotification() {
        func notify(_ change: (inout AltinnNotification) -> Void) -> (inout AltinnSidecar) -> Void {
            var notification = AltinnNotification()
            change(&notification)
            return { $0.notification = notification }
        }
        assertRefused("notification.notificationTemplate", notify { $0.notificationTemplate = "CustomText" })
        assertRefused("notification.notificationChannel", notify { $0.notificationChannel = "Pigeon" })
        assertRefused("notification.emailSubject", notify { $0.notificationTemplate = "CustomMessage" })
        assertRefused("notification.smsBody", notify {
            $0.notificationChannel = "Sms"
        })
        assertRefused("notification.smsBody", notify {
            $0.notificationChannel = "EmailAndSms"
            $0.emailSubject = "s"
            $0.emailBody = "b"
        })
        assertRefused("notification.reminderEmailBody", notify {
            $0.emailSubject = "s"
            $0.emailBody = "b"
            $0.sendReminder = true
            $0.reminderEmailSubject = "r"
        })
        assertRefused("notification.emailBody", notify {
            $0.notificationTemplate = "GenericAltinnMessage"
            $0.emailBody = String(repeating: "e", count: 10_001)
        })
        XCTAssertNil(refusal(notify { $0.notificationTemplate = "genericaltinnmessage" }))
        XCTAssertNil(refusal(notify {
            $0.emailSubject = "s"
            $0.emailBody = "b"
        }))
    }

    func testAttachmentName() {
        assertRefused("attachmentName") { $0.attachmentName = " " }
        assertRefused("attachmentName") { $0.attachmentName = "a/b.xml" }
        assertRefused("attachmentName") { $0.attachmentName = "vedtak.exe" }
        assertRefused("attachmentName") { $0.attachmentName = "CON.xml" }
        assertRefused("attachmentName") { $0.attachmentName = String(repeating: "a", count: 252) + ".xml" }
        assertRefused("attachmentName") { $0.attachmentName = "bad\u{7}.xml" }
        XCTAssertNil(refusal { $0.attachmentName = "vedtak 2026 æøå.xml" })
    }

    /// Altinn counts length as .NET does, in UTF-16 code units: 128 emoji are 256 units, over a
    /// 255 limit though only 128 characters. Refused here, not per recipient by Altinn.
    func testLengthsAreCountedInUTF16UnitsAsAltinnCountsThem() {
        let emoji = "\u{1F4E8}"  // one character, two UTF-16 units
        assertRefused("content.messageTitle") { $0.content?.messageTitle = String(repeating: emoji, count: 128) }
        XCTAssertNil(refusal { $0.content?.messageTitle = String(repeating: emoji, count: 127) })
        assertRefused("content.messageSummary") { $0.content?.messageSummary = String(repeating: emoji, count: 128) }
        assertRefused("sendersReference") { $0.sendersReference = String(repeating: emoji, count: 2049) }
        assertRefused("propertyList") { $0.propertyList = [String(repeating: emoji, count: 26): "v"] }
        assertRefused("propertyList.k") { $0.propertyList = ["k": String(repeating: emoji, count: 151)] }
        assertRefused("attachmentName") { $0.attachmentName = String(repeating: emoji, count: 126) + ".xml" }
        assertRefused("notification.emailSubject") {
            var notification = AltinnNotification()
            notification.notificationTemplate = "GenericAltinnMessage"
            notification.emailSubject = String(repeating: emoji, count: 257)
            $0.notification = notification
        }
        let reason = refusal { $0.content?.messageTitle = String(repeating: emoji, count: 128) } ?? ""
        XCTAssertTrue(reason.contains("256 UTF-16 units"), reason)
    }

    /// Blank is not a value: a sendersReference of line breaks is refused as Altinn's [Required]
    /// refuses it; a blank language is Altinn's default, nb.
    func testBlankValues() throws {
        assertRefused("sendersReference") { $0.sendersReference = "\n\t " }
        assertRefused("attachmentName") { $0.attachmentName = "\n" }
        var sidecar = valid()
        sidecar.content?.language = " "
        XCTAssertEqual(try AltinnCorrespondence.validate(sidecar, defaultResourceId: "", dropName: "vedtak").language, "nb")
    }

    func testStrictDecodingNamesUnknownKeys() {
        let json = #"{"channel":"altinn","recipients":["\#(Self.org)"],"content":{"messageTitel":"x"}}"#
        XCTAssertThrowsError(try Sidecar.decode(Array(json.utf8))) { error in
            XCTAssertTrue("\(error)".contains("content.messageTitel"), "\(error)")
        }
        let full = #"{"channel":"altinn","resourceId":"r","recipients":["\#(Self.org)"],"sendersReference":"s","content":{"messageTitle":"t","messageBody":"b"},"propertyList":{"a":"b"},"notification":{"notificationTemplate":"GenericAltinnMessage"}}"#
        guard case .altinn(let sidecar)? = try? Sidecar.decode(Array(full.utf8)) else { return XCTFail("not decoded") }
        XCTAssertEqual(sidecar.propertyList, ["a": "b"])
        XCTAssertEqual(sidecar.notification?.notificationTemplate, "GenericAltinnMessage")
    }

    func testMod11() {
        XCTAssertTrue(Mod11.isValidOrganizationNumber("991825827"))
        XCTAssertFalse(Mod11.isValidOrganizationNumber("991825828"))
        XCTAssertTrue(Mod11.isValidNationalIdentityNumber("31129987688"))
        XCTAssertFalse(Mod11.isValidNationalIdentityNumber("31129987689"))
    }
}

final class PersonNumberMaskTests: XCTestCase {
    func testElevenDigitRunsAreMaskedOthersKept() {
        XCTAssertEqual(
            PersonNumberMask.mask("recipients: urn:altinn:person:identifier-no:15038545660, org 910753614, 123456789012"),
            "recipients: urn:altinn:person:identifier-no:[person], org 910753614, 123456789012")
    }
}
