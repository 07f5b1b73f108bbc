import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Simulator
import XCTest

/// The Altinn channel end to end against the simulator over loopback HTTP.
final class AltinnChannelTests: XCTestCase {
    func testOrganisationAndPersonGetOneCorrespondenceEachAndTheirReceiptsReachRead() async throws {
        let harness = try await BridgeHarness.altinn()
        try await harness.start()
        try harness.dropAltinn("vedtak", recipients: [BridgeHarness.org, BridgeHarness.person])
        try await harness.waitUntilFiled("vedtak", in: harness.config.folders.sent)

        let receipt = try harness.sentReceipt("vedtak")
        XCTAssertEqual(receipt.channel, "altinn")
        XCTAssertEqual(receipt.correspondenceIds?.count, 2)
        XCTAssertNotNil(receipt.correspondenceIds?[BridgeHarness.org])
        // The person is in the receipt only as a hash, never by number.
        let raw = try String(contentsOfFile: harness.config.folders.receipts + "/vedtak.sent.json", encoding: .utf8)
        XCTAssertFalse(raw.contains("15038545660"))
        let created = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(created.map(\.recipient).sorted(), [BridgeHarness.org, BridgeHarness.person].sorted())
        XCTAssertEqual(Set(created.map(\.correspondenceId)), Set(receipt.correspondenceIds?.values.map { $0 } ?? []))
        XCTAssertEqual(created.first?.attachments.first?.fileName, "vedtak.xml")
        XCTAssertEqual(created.first?.attachments.first?.size, BridgeHarness.letter.count)

        try await harness.waitUntil("both recipients have read it") {
            try harness.altinnStatus("vedtak")?.recipients.map(\.status) == ["read", "read"]
        }
        let status = try XCTUnwrap(try harness.altinnStatus("vedtak"))
        XCTAssertTrue(status.recipients.allSatisfy { $0.published != nil && $0.read != nil && $0.final })
        XCTAssertEqual(Set(status.events.map(\.type)), ["published", "read"])
        await harness.shutdown()
    }

    /// The demo's Altinn drops (the project's samples) as `dropbridge demo` runs them, on a faster
    /// clock: the organisation's and the person's reach Read, the bad organisation number is
    /// refused naming the field.
    func testTheDemosAltinnSamplesGoWhereTheDemoSays() async throws {
        let harness = try await BridgeHarness.altinn()
        try await harness.start()
        let samples = ["10-altinn-to-organisation", "11-altinn-to-person", "97-broken-altinn-bad-orgnr"]
        for name in samples {
            let xml = try XCTUnwrap(FileManager.default.contents(atPath: BridgeHarness.samples + "/outbox/\(name).xml"))
            let sidecar = try XCTUnwrap(FileManager.default.contents(atPath: BridgeHarness.samples + "/outbox/\(name).json"))
            try harness.drop(name, xml: [UInt8](xml), sidecar: String(decoding: sidecar, as: UTF8.self))
        }
        try await harness.waitUntilFiled("97-broken-altinn-bad-orgnr", in: harness.config.folders.failed)
        XCTAssertTrue(try harness.errorReport("97-broken-altinn-bad-orgnr").reason.contains("\"recipients[0]\""))
        for name in samples.prefix(2) {
            try await harness.waitUntilFiled(name, in: harness.config.folders.sent)
            XCTAssertEqual(try harness.sentReceipt(name).channel, "altinn")
            try await harness.waitUntil("\(name) is read") { try harness.altinnStatus(name)?.recipients.first?.status == "read" }
            XCTAssertEqual(try harness.altinnStatus(name)?.events.map(\.type), ["published", "read"])
        }
        let created = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(created.map(\.recipient).sorted(), [BridgeHarness.org, BridgeHarness.person].sorted())
        XCTAssertEqual(created.first { $0.recipient == BridgeHarness.org }?.attachments.first?.fileName, "vedtak-2026-117.xml")
        await harness.shutdown()
    }

    func testABadOrganisationNumberIsRefusedBeforeAnythingIsSent() async throws {
        let harness = try await BridgeHarness.altinn()
        try await harness.start()
        try harness.dropAltinn("bad-org", recipients: ["urn:altinn:organization:identifier-no:910753615"])
        try await harness.waitUntilFiled("bad-org", in: harness.config.folders.failed)
        let report = try harness.errorReport("bad-org")
        XCTAssertEqual(report.stage, .validation)
        XCTAssertTrue(report.reason.contains("\"recipients[0]\""), report.reason)
        let created = await harness.simulator.receivedCorrespondences()
        XCTAssertTrue(created.isEmpty)
        // Refused before it was recorded as sending, it is still Altinn's in the ledger (`show`, metrics).
        XCTAssertEqual(try (try harness.ledger).drop(named: "bad-org")?.channel, "altinn")
        await harness.shutdown()
    }

    func testAPartialRefusalSaysWhichAndNeverSendsTheOthersTwice() async throws {
        let harness = try await BridgeHarness.altinn(
            correspondence: CorrespondenceSettings(unknownRecipients: ["991825827"], scanSeconds: 0.2, readSeconds: 0.4))
        try await harness.start()
        try harness.dropAltinn("partly", recipients: [BridgeHarness.org, BridgeHarness.otherOrg])
        try await harness.waitUntilFiled("partly", in: harness.config.folders.failed)

        let report = try harness.errorReport("partly")
        XCTAssertEqual(report.stage, .sending)
        XCTAssertEqual(report.recipients?.map(\.result), ["accepted", "refused"])
        XCTAssertEqual(report.recipients?[1].httpStatus, 404)
        XCTAssertEqual(report.recipients?[1].recipient, BridgeHarness.otherOrg)
        XCTAssertTrue(report.reason.contains("1 of 2"), report.reason)
        let receipt = try harness.sentReceipt("partly")
        XCTAssertEqual(receipt.correspondenceIds?.keys.sorted(), [BridgeHarness.org])
        // sent.json says which failed too, with Altinn's problem, as error.json does.
        XCTAssertEqual(receipt.recipients?.map(\.result), ["accepted", "refused"])
        XCTAssertEqual(receipt.recipients?[1].recipient, BridgeHarness.otherOrg)
        XCTAssertEqual(receipt.recipients?[1].problem?["errorCode"]?.intValue, 1029)
        XCTAssertNotNil(receipt.recipients?[0].correspondenceId)

        // Retried by an operator: the recipient that has it is found by its key, not sent again.
        try await harness.stop()
        for file in harness.files(in: harness.config.folders.failed) where !file.hasSuffix(".error.json") {
            try FileManager.default.moveItem(
                atPath: harness.config.folders.failed + "/" + file, toPath: harness.config.folders.outbox + "/" + file)
        }
        try (try harness.ledger).releaseName("partly")
        try FileManager.default.removeItem(atPath: harness.config.folders.failed + "/partly.error.json")
        try FileManager.default.removeItem(atPath: harness.config.folders.receipts + "/partly.sent.json")
        try await harness.start()
        try await harness.waitUntilFiled("partly", in: harness.config.folders.failed)
        let created = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(created.map(\.recipient), [BridgeHarness.org], "one correspondence for the accepted recipient, ever")
        await harness.shutdown()
    }

    func testAFailedPublishIsReportedInTheStatusFile() async throws {
        let harness = try await BridgeHarness.altinn(
            correspondence: CorrespondenceSettings(
                failingRecipients: ["991825827": "Recipient is missing in Register"], scanSeconds: 0.2, readSeconds: 0.4))
        try await harness.start()
        try harness.dropAltinn("unpublished", recipients: [BridgeHarness.otherOrg])
        try await harness.waitUntilFiled("unpublished", in: harness.config.folders.sent)
        try await harness.waitUntil("the status says failed") {
            try harness.altinnStatus("unpublished")?.recipients.first?.status == "failed"
        }
        let recipient = try XCTUnwrap(try harness.altinnStatus("unpublished")?.recipients.first)
        XCTAssertTrue(recipient.final)
        XCTAssertNotNil(recipient.failed)
        XCTAssertEqual(recipient.statusText?.contains("Register"), true, "\(recipient)")
        await harness.shutdown()
    }

    func testALostAnswerMakesOneCorrespondencePerRecipientNotTwo() async throws {
        let harness = try await BridgeHarness.altinn()
        // Altinn creates each correspondence but the answer never arrives.
        await harness.simulator.setAltinnFaults(FaultSettings(resetAfterAcceptRate: 1))
        try await harness.start()
        try harness.dropAltinn("lost", recipients: [BridgeHarness.org, BridgeHarness.person])
        try await harness.waitUntil("both were created at Altinn") {
            await harness.simulator.receivedCorrespondences().count == 2
        }
        // The bridge is killed-equivalent here: it never heard; now the network heals.
        await harness.simulator.setAltinnFaults(FaultSettings())
        try await harness.waitUntilFiled("lost", in: harness.config.folders.sent)
        let created = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(created.count, 2)
        let receipt = try harness.sentReceipt("lost")
        XCTAssertEqual(Set(receipt.correspondenceIds?.values.map { $0 } ?? []), Set(created.map(\.correspondenceId)))
        await harness.shutdown()
    }

    /// The same document in another drop with the same letter is the same correspondence (a
    /// producer's repeated drop is not sent twice); the same document as another letter (another
    /// title) is a new correspondence, not taken for the first by its key.
    func testTheSameDocumentAsAnotherLetterIsANewCorrespondence() async throws {
        let harness = try await BridgeHarness.altinn()
        try await harness.start()
        try harness.drop("first", xml: BridgeHarness.letter, sidecar: BridgeHarness.altinnSidecar(recipients: [BridgeHarness.org]))
        try await harness.waitUntilFiled("first", in: harness.config.folders.sent)
        try harness.drop("again", xml: BridgeHarness.letter, sidecar: BridgeHarness.altinnSidecar(recipients: [BridgeHarness.org]))
        try await harness.waitUntilFiled("again", in: harness.config.folders.sent)
        let first = try harness.sentReceipt("first").correspondenceIds?[BridgeHarness.org]
        XCTAssertEqual(try harness.sentReceipt("again").correspondenceIds?[BridgeHarness.org], first)
        try harness.drop(
            "reminder", xml: BridgeHarness.letter,
            sidecar: BridgeHarness.altinnSidecar(recipients: [BridgeHarness.org], title: "Påminnelse: vedtak i sak 117"))
        try await harness.waitUntilFiled("reminder", in: harness.config.folders.sent)
        let reminder = try harness.sentReceipt("reminder").correspondenceIds?[BridgeHarness.org]
        XCTAssertNotNil(reminder)
        XCTAssertNotEqual(reminder, first)
        let created = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(created.count, 2, "the repeated drop found the first; the reminder is its own")
        await harness.shutdown()
    }

    /// What is still open lives in the ledger: a bridge stopped while a correspondence is only
    /// published follows it again after its restart, to read.
    func testPollingResumesAfterARestart() async throws {
        let harness = try await BridgeHarness.altinn(correspondence: CorrespondenceSettings(scanSeconds: 0.2, readSeconds: nil))
        try await harness.start()
        try harness.dropAltinn("followed", recipients: [BridgeHarness.org])
        try await harness.waitUntilFiled("followed", in: harness.config.folders.sent)
        try await harness.waitUntil("it is published") { try harness.altinnStatus("followed")?.recipients.first?.status == "published" }
        try await harness.stop()
        let id = try XCTUnwrap(try harness.sentReceipt("followed").correspondenceIds?[BridgeHarness.org])
        let marked = try await harness.simulator.markCorrespondenceRead(XCTUnwrap(UUID(uuidString: id)))
        XCTAssertTrue(marked)
        XCTAssertEqual(try harness.altinnStatus("followed")?.recipients.first?.status, "published", "nobody polls while stopped")
        try await harness.start()
        try await harness.waitUntil("the restarted bridge sees it read") {
            try harness.altinnStatus("followed")?.recipients.first?.status == "read"
        }
        XCTAssertEqual(try harness.altinnStatus("followed")?.recipients.first?.final, true)
        await harness.shutdown()
    }

    /// Timeouts (408/2022), throttling (429), KRR and storage trouble (500/1032, 502/2002) and 503
    /// are tried again with the same key until Altinn answers; one correspondence results.
    func testTransientAnswersAreTriedAgainWithTheSameKey() async throws {
        let harness = try await BridgeHarness.altinn()
        try await harness.start()
        for status in [408, 429, 500, 502, 503] {
            let name = "transient-\(status)"
            await harness.simulator.setAltinnFaults(FaultSettings(statusRates: [status: 1], retryAfterSeconds: 0))
            let xml = Array("<?xml version=\"1.0\"?>\n<vedtak xmlns=\"urn:example:vedtak\"><sak>\(status)</sak></vedtak>\n".utf8)
            try harness.dropAltinn(name, recipients: [BridgeHarness.org], xml: xml)
            try await harness.waitUntil("\(status) was answered twice") {
                guard let id = try (try harness.ledger).drop(named: name)?.id else { return false }
                return try (try harness.ledger).altinnSends(dropId: id).first?.attempts ?? 0 >= 2
            }
            let row = try XCTUnwrap(try (try harness.ledger).drop(named: name).flatMap { try (try harness.ledger).altinnSends(dropId: $0.id!).first })
            XCTAssertEqual(row.state, .sending, "HTTP \(status) is not a refusal")
            XCTAssertTrue(row.reason?.contains("HTTP \(status)") == true, row.reason ?? "no reason")
            await harness.simulator.setAltinnFaults(FaultSettings())
            try await harness.waitUntilFiled(name, in: harness.config.folders.sent)
            let created = await harness.simulator.receivedCorrespondences().filter { $0.idempotentKey == row.idempotentKey }
            XCTAssertEqual(created.count, 1, "HTTP \(status): one correspondence, made with the key recorded first")
        }
        let total = await harness.simulator.receivedCorrespondences().count
        XCTAssertEqual(total, 5)
        await harness.shutdown()
    }

    func testTheAltinnTokenIsRenewedBeforeItExpires() async throws {
        // Tokens live 3 s; the bridge must renew before exp (Altinn allows no clock skew).
        let harness = try await BridgeHarness.altinn(authentication: AuthenticationSettings(accessTokenSeconds: 3))
        try await harness.start()
        for round in 0..<4 {
            try harness.dropAltinn("renew-\(round)", recipients: [BridgeHarness.org])
            try await harness.waitUntilFiled("renew-\(round)", in: harness.config.folders.sent)
            try await Task.sleep(for: .milliseconds(1200))
        }
        let counters = await harness.simulator.authCounters()
        XCTAssertGreaterThanOrEqual(counters.tokensIssued["altinn"] ?? 0, 2, "\(counters)")
        XCTAssertFalse(counters.refusals.contains { $0.contains("expired") }, "\(counters.refusals)")
        await harness.shutdown()
    }

    func testARejectedTokenIsRenewedOnceAndTheDropStillGoes() async throws {
        let harness = try await BridgeHarness.altinn()
        try await harness.start()
        try harness.dropAltinn("first", recipients: [BridgeHarness.org])
        try await harness.waitUntilFiled("first", in: harness.config.folders.sent)
        // Altinn forgets every token (as after a key rotation): the next call gets a 401.
        await harness.simulator.expireAllTokens()
        try harness.dropAltinn("second", recipients: [BridgeHarness.otherOrg])
        try await harness.waitUntilFiled("second", in: harness.config.folders.sent)
        let counters = await harness.simulator.authCounters()
        XCTAssertGreaterThanOrEqual(counters.tokensIssued["altinn"] ?? 0, 2, "\(counters)")
        await harness.shutdown()
    }

    /// A token without `altinn:correspondence.write` (a client granted other scopes) is 403 at
    /// Altinn: no recipient is refused for it, the drop is held for an operator with the reason,
    /// and nothing was created.
    func testAForbiddenUploadHoldsTheDropForAnOperator() async throws {
        let harness = try await BridgeHarness.altinn { config in
            config.altinn.maskinporten.scope = "altinn:events.subscribe altinn:serviceowner"
        }
        try await harness.start()
        try harness.dropAltinn("forbidden", recipients: [BridgeHarness.org])
        try await harness.waitUntil("the drop is held") { try (try harness.ledger).drop(named: "forbidden")?.state == .held }
        let held = try XCTUnwrap(try (try harness.ledger).summary().held.first { $0.name == "forbidden" })
        XCTAssertTrue(held.reason?.contains("HTTP 403") == true, held.reason ?? "no reason")
        let rows = try (try harness.ledger).altinnSends(dropId: XCTUnwrap(try (try harness.ledger).drop(named: "forbidden")?.id))
        XCTAssertEqual(rows.map(\.state), [.sending], "not refused: the same key goes once an operator releases it")
        XCTAssertEqual(harness.files(in: harness.config.folders.failed), [])
        let created = await harness.simulator.receivedCorrespondences()
        XCTAssertTrue(created.isEmpty)
        await harness.shutdown()
    }

    func testAPersonReservedInKRRIsRefusedWithAltinnsProblem() async throws {
        let harness = try await BridgeHarness.altinn(
            correspondence: CorrespondenceSettings(reservedRecipients: ["15038545660"], scanSeconds: 0.2, readSeconds: 0.4))
        try await harness.start()
        try harness.dropAltinn("reserved", recipients: [BridgeHarness.person])
        try await harness.waitUntilFiled("reserved", in: harness.config.folders.failed)
        let report = try harness.errorReport("reserved")
        XCTAssertEqual(report.stage, .sending)
        XCTAssertEqual(report.httpStatus, 422)
        XCTAssertEqual(report.problem?["errorCode"]?.intValue, 1030, "\(String(describing: report.problem)) \(String(describing: report.recipients))")
        XCTAssertEqual(report.recipients?.first?.result, "refused")
        XCTAssertFalse(report.reason.contains("15038545660"), report.reason)
        await harness.shutdown()
    }

    func testAConfirmationNeededIsFollowedToConfirmed() async throws {
        let harness = try await BridgeHarness.altinn()
        try await harness.start()
        try harness.dropAltinn(
            "confirm", recipients: [BridgeHarness.org],
            extra: #", "isConfirmationNeeded": true, "dueDateTime": "2099-12-24T12:00:00+01:00""#)
        try await harness.waitUntilFiled("confirm", in: harness.config.folders.sent)
        try await harness.waitUntil("the status says confirmed") {
            try harness.altinnStatus("confirm")?.recipients.first?.status == "confirmed"
        }
        let status = try XCTUnwrap(try harness.altinnStatus("confirm"))
        XCTAssertEqual(status.events.map(\.type), ["published", "read", "confirmed"])
        XCTAssertEqual(status.recipients.first?.final, true)
        await harness.shutdown()
    }
}
