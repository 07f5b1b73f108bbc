import Foundation
import XCTest

@testable import Simulator

/// The status progression the overview and details show: Initialized → (scan) → Published →
/// Read → Confirmed, Failed for a configured recipient, Reserved among several.
final class CorrespondenceProgressionTests: XCTestCase {
    var harness: AltinnHarness!

    override func tearDown() async throws {
        try await harness?.shutDown()
        harness = nil
    }

    func id(_ reply: AltinnHarness.Reply, _ index: Int = 0) throws -> String {
        XCTAssertEqual(reply.status, 200, reply.text)
        return try XCTUnwrap(reply.correspondences[index]["correspondenceId"] as? String)
    }

    func testACorrespondenceIsPublishedAfterTheScanThenReadThenConfirmed() async throws {
        harness = try await AltinnHarness.start(AltinnHarness.fast(reads: true))
        let id = try id(try await harness.upload(.valid(extra: [
            ("correspondence.isConfirmationNeeded", "true"), ("correspondence.dueDateTime", AltinnDate.format(Date() + 86_400)),
        ])))
        let confirmed = try await harness.waitForOverview(id) { $0["status"] as? String == "Confirmed" }
        let published = try XCTUnwrap(AltinnDate.parse(confirmed["published"] as? String ?? ""))
        let read = try XCTUnwrap(AltinnDate.parse(confirmed["read"] as? String ?? ""))
        let created = try XCTUnwrap(AltinnDate.parse(confirmed["created"] as? String ?? ""))
        XCTAssertGreaterThanOrEqual(published.timeIntervalSince(created), 0.1 - 0.001, "the scan takes scanSeconds")
        XCTAssertGreaterThan(read, published)
        XCTAssertTrue(confirmed["content"] is NSNull, "the sender no longer sees the content once published")

        let details = try await harness.overview(id, details: true)
        XCTAssertEqual(details.status, 200)
        let history = try XCTUnwrap(details.json["statusHistory"] as? [[String: Any]])
        XCTAssertEqual(
            history.compactMap { $0["status"] as? String },
            ["Initialized", "ReadyForPublish", "Published", "Fetched", "Read", "Confirmed"])
        let times = history.compactMap { AltinnDate.parse($0["statusChanged"] as? String ?? "") }
        XCTAssertEqual(times, times.sorted(), "in time order")
    }

    func testWithoutConfirmationItStopsAtRead() async throws {
        harness = try await AltinnHarness.start(AltinnHarness.fast(reads: true))
        let id = try id(try await harness.upload(.valid()))
        _ = try await harness.waitForOverview(id) { $0["status"] as? String == "Read" }
        let history = try await harness.overview(id, details: true).json["statusHistory"] as? [[String: Any]]
        XCTAssertFalse(history?.contains { $0["status"] as? String == "Confirmed" } ?? true)
    }

    func testWhenReadingIsLeftToTheTestItWaitsPublishedUntilTold() async throws {
        harness = try await AltinnHarness.start(AltinnHarness.fast(reads: false))
        let id = try id(try await harness.upload(.valid(extra: [
            ("correspondence.isConfirmationNeeded", "true"), ("correspondence.dueDateTime", AltinnDate.format(Date() + 86_400)),
        ])))
        let uuid = try XCTUnwrap(UUID(uuidString: id))
        // Not published yet: the recipient cannot read it.
        do {
            _ = try await harness.simulator.markCorrespondenceRead(uuid)
            XCTFail("read before it was published")
        } catch {}
        _ = try await harness.waitForOverview(id) { $0["status"] as? String == "Published" }
        let marked = try await harness.simulator.markCorrespondenceRead(uuid)
        XCTAssertTrue(marked)
        let read = try await harness.overview(id)
        XCTAssertEqual(read.json["status"] as? String, "Read")
        XCTAssertNotNil(AltinnDate.parse(read.json["read"] as? String ?? ""))

        let confirm = try await harness.request(.POST, "/_sim/altinn/correspondences/\(id)/confirm", token: .none)
        XCTAssertEqual(confirm.status, 204, confirm.text)
        let again = try await harness.request(.POST, "/_sim/altinn/correspondences/\(id)/confirm", token: .none)
        XCTAssertEqual(again.status, 409)
        let confirmed = try await harness.overview(id)
        XCTAssertEqual(confirmed.json["status"] as? String, "Confirmed")
    }

    func testAConfiguredRecipientFailsAtPublishingWithItsStatusText() async throws {
        harness = try await AltinnHarness.start(AltinnHarness.fast(reads: true, failing: [TestParties.otherOrganizationNumber: "Recipient not found in Register"]))
        let reply = try await harness.upload(.valid(recipients: [TestParties.organization, TestParties.otherOrganization], idempotentKey: nil))
        let good = try id(reply, 0)
        let failing = try id(reply, 1)
        let failed = try await harness.waitForOverview(failing) { $0["status"] as? String == "Failed" }
        XCTAssertEqual(failed["statusText"] as? String, "Recipient not found in Register")
        XCTAssertTrue(failed["published"] is NSNull)
        _ = try await harness.waitForOverview(good) { $0["status"] as? String == "Read" }
        // Failed stays Failed: it is never published nor read.
        try await Task.sleep(for: .milliseconds(250))
        let later = try await harness.overview(failing)
        XCTAssertEqual(later.json["status"] as? String, "Failed")
        XCTAssertTrue(later.json["read"] is NSNull)
    }

    func testAReservedPersonAmongSeveralIsReservedAndIgnoreReservationSendsAnyway() async throws {
        let reserved = TestParties.person(serial: 9)
        harness = try await AltinnHarness.start(AltinnHarness.fast(reserved: [reserved]))
        let reply = try await harness.upload(.valid(recipients: [TestParties.organization, reserved], idempotentKey: nil))
        XCTAssertEqual(reply.correspondences.compactMap { $0["status"] as? String }, ["Initialized", "Reserved"])
        let overview = try await harness.overview(try id(reply, 1))
        XCTAssertEqual(overview.json["status"] as? String, "Reserved")

        let alone = try await harness.upload(.valid(recipients: [reserved]))
        XCTAssertEqual(alone.status, 422)
        XCTAssertEqual(alone.errorCode, 1030)
        let ignored = try await harness.upload(.valid(recipients: [reserved], extra: [("correspondence.ignoreReservation", "true")]))
        XCTAssertEqual(ignored.status, 200, ignored.text)
        XCTAssertEqual(ignored.correspondences.first?["status"] as? String, "Initialized")
    }

    func testTheSearchFindsASendersCorrespondencesNewestFirstAndFiltersByStatusHistory() async throws {
        harness = try await AltinnHarness.start(AltinnHarness.fast(reads: false))
        let first = try id(try await harness.upload(.valid()))
        let second = try id(try await harness.upload(.valid()))
        let all = try await harness.request(.GET, AltinnHarness.base + "?resourceId=\(AltinnHarness.resourceId)&role=Sender")
        XCTAssertEqual(all.ids, [second, first])
        let byReference = try await harness.request(
            .GET, AltinnHarness.base + "?resourceId=\(AltinnHarness.resourceId)&role=Sender&sendersReference=nothing-like-it")
        XCTAssertEqual(byReference.ids, [])
        _ = try await harness.waitForOverview(second) { $0["status"] as? String == "Published" }
        let published = try await harness.request(
            .GET, AltinnHarness.base + "?resourceId=\(AltinnHarness.resourceId)&role=Sender&status=Published")
        XCTAssertEqual(Set(published.ids), Set([first, second]))
        let backwards = try await harness.request(
            .GET, AltinnHarness.base + "?role=Sender&from=\(AltinnDate.format(Date()))&to=\(AltinnDate.format(Date() - 60))"
                .replacingOccurrences(of: "+", with: "%2B"))
        XCTAssertEqual(backwards.errorCode, 1027)
        let unknownResource = try await harness.request(.GET, AltinnHarness.base + "?resourceId=nope&role=Sender")
        XCTAssertEqual(unknownResource.status, 401)
        XCTAssertEqual(unknownResource.errorCode, 4001)
    }
}
