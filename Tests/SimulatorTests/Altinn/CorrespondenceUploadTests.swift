import Foundation
import XCTest

@testable import Simulator

/// `POST …/correspondence/upload` and `POST …/correspondence` over real HTTP: the answers,
/// what the simulator recorded, idempotency and the search by key.
final class CorrespondenceUploadTests: AltinnTestCase {
    func testUploadToAnOrganisationCreatesOneInitializedCorrespondenceWithTheAttachmentIntact() async throws {
        // Binary-safe: CR, LF, NUL and the boundary's dashes inside the file.
        let attachment = Array("<?xml version=\"1.0\"?>\r\n<a>--\0\r\n--x</a>".utf8) + [0xFF, 0x00, 0x0D, 0x0A]
        let key = UUID()
        let reply = try await harness.upload(.valid(idempotentKey: key, attachment: attachment))
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.headers.first(name: "Content-Type"), "application/json; charset=utf-8")
        let created = try XCTUnwrap(reply.correspondences.first)
        XCTAssertEqual(reply.correspondences.count, 1)
        XCTAssertEqual(created["recipient"] as? String, TestParties.organization)
        XCTAssertEqual(created["status"] as? String, "Initialized", "the malware scan has not run yet")
        XCTAssertNotNil(UUID(uuidString: created["correspondenceId"] as? String ?? ""))
        XCTAssertEqual((reply.json["attachmentIds"] as? [String])?.count, 1)

        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(received.count, 1)
        XCTAssertEqual(received.first?.idempotentKey, key.uuidString.lowercased())
        XCTAssertEqual(received.first?.attachments.first?.sha256, Checksums.sha256Hex(attachment))
        XCTAssertEqual(received.first?.attachments.first?.size, attachment.count)
        XCTAssertEqual(received.first?.attachments.first?.fileName, "vedtak.xml")
    }

    func testUploadToAPersonNormalisesABareNationalIdentityNumber() async throws {
        let number = TestParties.nationalIdentityNumber(serial: 1)
        let reply = try await harness.upload(.valid(recipients: [number]))
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.correspondences.first?["recipient"] as? String, RecipientIdentifier.personPrefix + number)
    }

    func testSeveralRecipientsGetOneCorrespondenceEachInRequestOrderAndNoKeyIsAllowed() async throws {
        let recipients = [TestParties.organization, TestParties.person(serial: 2), TestParties.otherOrganization]
        let reply = try await harness.upload(.valid(recipients: recipients, idempotentKey: nil))
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.correspondences.compactMap { $0["recipient"] as? String }, recipients)
        XCTAssertEqual(Set(reply.correspondences.compactMap { $0["correspondenceId"] as? String }).count, 3)
        // One file shared by all three.
        XCTAssertEqual((reply.json["attachmentIds"] as? [String])?.count, 1)

        let keyed = try await harness.upload(.valid(recipients: recipients, idempotentKey: UUID()))
        XCTAssertEqual(keyed.status, 400)
        XCTAssertEqual(keyed.errorCode, 1047)
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(received.count, 3)
    }

    func testARepeatedKeyIs409With1034AndTheSearchByKeyFindsTheFirst() async throws {
        let key = UUID()
        let first = try await harness.upload(.valid(idempotentKey: key))
        XCTAssertEqual(first.status, 200, first.text)
        let id = try XCTUnwrap(first.correspondences.first?["correspondenceId"] as? String)

        // Content is not compared: a different title with the same key is still a duplicate.
        let again = try await harness.upload(
            .valid(idempotentKey: key, extra: [("correspondence.content.messageTitle", "Noe annet")],
                   without: ["correspondence.content.messageTitle"]))
        XCTAssertEqual(again.status, 409, again.text)
        XCTAssertEqual(again.errorCode, 1034)
        XCTAssertNil(again.json["correspondenceId"], "the 409 carries no id")

        let found = try await harness.request(
            .GET, AltinnHarness.base + "?resourceId=\(AltinnHarness.resourceId)&role=Sender&idempotentKey=\(key.uuidString.lowercased())")
        XCTAssertEqual(found.status, 200, found.text)
        XCTAssertEqual(found.ids, [id])
        let unknown = try await harness.request(
            .GET, AltinnHarness.base + "?resourceId=\(AltinnHarness.resourceId)&role=Sender&idempotentKey=\(UUID().uuidString)")
        XCTAssertEqual(unknown.ids, [])

        let counts = CorrespondenceInspectionRoutes.counts(await harness.simulator.receivedCorrespondences())
        XCTAssertEqual(counts.byIdempotentKey, [key.uuidString.lowercased(): 1])
        XCTAssertEqual(counts.byRecipient, [TestParties.organization: 1])
    }

    func testARefusedRequestDoesNotUseUpItsKey() async throws {
        let key = UUID()
        let refused = try await harness.upload(
            .valid(idempotentKey: key, extra: [("correspondence.resourceId", "no-such-resource")], without: ["correspondence.resourceId"]))
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(refused.errorCode, 1036)
        let accepted = try await harness.upload(.valid(idempotentKey: key))
        XCTAssertEqual(accepted.status, 200, accepted.text)
    }

    func testConcurrentDuplicatesCreateExactlyOne() async throws {
        let key = UUID()
        let token = try await harness.token()
        let harness = harness!
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask { try await harness.upload(.valid(idempotentKey: key), token: .value(token)).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        XCTAssertEqual(statuses.sorted(), [200] + Array(repeating: 409, count: 7))
        let received = await harness.simulator.receivedCorrespondences()
        XCTAssertEqual(received.count, 1)
    }

    func testTheJSONEndpointCreatesWithoutAttachmentsAndRefusesNewAttachmentMetadata() async throws {
        var json: [String: Any] = [
            "correspondence": [
                "resourceId": "urn:altinn:resource:" + AltinnHarness.resourceId,
                "sendersReference": "ref-1",
                "content": ["language": "EN", "messageTitle": "Title", "messageBody": "Body"],
                "isConfirmationNeeded": true,
                "dueDateTime": AltinnDate.format(Date() + 86_400),
                "propertyList": ["saksnr": "2026/123"],
            ] as [String: Any],
            "recipients": [TestParties.organization],
            "idempotentKey": UUID().uuidString,
        ]
        let reply = try await harness.initialize(json)
        XCTAssertEqual(reply.status, 200, reply.text)
        XCTAssertEqual(reply.correspondences.first?["status"] as? String, "ReadyForPublish", "no attachments to scan")
        XCTAssertEqual(reply.json["attachmentIds"] as? [String], [])

        var correspondence = json["correspondence"] as! [String: Any]
        correspondence["content"] = [
            "messageTitle": "Title", "messageBody": "Body",
            "attachments": [["fileName": "a.xml", "sendersReference": "r"]],
        ] as [String: Any]
        json["correspondence"] = correspondence
        json["idempotentKey"] = UUID().uuidString
        let withAttachment = try await harness.initialize(json)
        XCTAssertEqual(withAttachment.status, 400)
        XCTAssertEqual(withAttachment.errorCode, 1005)
    }

    func testTheOverviewOfAFreshCorrespondenceShowsItsContentAndStatus() async throws {
        let reply = try await harness.upload(.valid())
        let id = try XCTUnwrap(reply.correspondences.first?["correspondenceId"] as? String)
        let overview = try await harness.overview(id)
        XCTAssertEqual(overview.status, 200, overview.text)
        let json = overview.json
        XCTAssertEqual(json["correspondenceId"] as? String, id)
        XCTAssertEqual(json["recipient"] as? String, TestParties.organization)
        XCTAssertEqual(json["resourceId"] as? String, AltinnHarness.resourceId)
        XCTAssertEqual(json["sendersReference"] as? String, "dropbridge/2026/000123")
        XCTAssertNotNil(json["created"] as? String)
        XCTAssertTrue(json["published"] is NSNull)
        XCTAssertTrue(json["read"] is NSNull)
        let content = try XCTUnwrap(json["content"] as? [String: Any], "content is shown until published")
        XCTAssertEqual(content["messageTitle"] as? String, "Vedtak i sak 2026/123")
        XCTAssertEqual((content["attachments"] as? [[String: Any]])?.first?["fileName"] as? String, "vedtak.xml")

        let missing = try await harness.overview(UUID().uuidString)
        XCTAssertEqual(missing.status, 404)
        XCTAssertEqual(missing.errorCode, 1001)
    }
}
