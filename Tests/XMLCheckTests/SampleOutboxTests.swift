import DropbridgeCore
import Foundation
import XCTest
@testable import XMLCheck

/// samples/outbox is the demo's seed: every drop must do what samples/README.md says.
final class SampleOutboxTests: XCTestCase {
    private let xmlRefused: Set<String> = [
        "90-broken-not-well-formed", "91-broken-schema-invalid", "92-broken-xxe", "93-broken-entity-bomb",
        "94-broken-unknown-namespace",
    ]

    private func names() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: samplesURL.appendingPathComponent("outbox").path)
            .filter { $0.hasSuffix(".xml") }.map { String($0.dropLast(4)) }.sorted()
    }

    func testEveryDropIsPairedAndHasTheDocumentedXMLOutcome() throws {
        let names = try names()
        XCTAssertGreaterThanOrEqual(names.count, 11)
        for name in names {
            XCTAssertNoThrow(try sampleBytes(name + ".json"), "\(name) has a sidecar")
            // An Altinn attachment is any well-formed XML (no KITH schema): see the next test.
            if name.contains("altinn") { continue }
            let result = strictValidator.check(try sampleBytes(name + ".xml"))
            if xmlRefused.contains(name) {
                XCTAssertEqual(result.failure?.stage, .validation, name)
            } else {
                XCTAssertNil(result.failure, "\(name): \(String(describing: result.failure))")
            }
        }
        XCTAssertTrue(xmlRefused.isSubset(of: Set(names)))
    }

    func testSidecarsMatchTheirDocumentsExceptTheBrokenOnes() throws {
        for name in try names() where !xmlRefused.contains(name) {
            if name.contains("altinn") {
                guard case .altinn(let sidecar) = try Sidecar.decode(try sampleBytes(name + ".json")) else {
                    XCTFail("\(name) is not an Altinn sidecar")
                    continue
                }
                XCTAssertNil(XMLValidator(schemas: nil, requireSchema: false).check(try sampleBytes(name + ".xml")).failure, name)
                let resolved = Result { () throws(DropFailure) in
                    try AltinnCorrespondence.validate(sidecar, defaultResourceId: "r", dropName: name)
                }
                if name.contains("broken") {
                    guard case .failure(let failure) = resolved else { return XCTFail("\(name) passed the Altinn rules") }
                    XCTAssertTrue(failure.reason.contains("recipients[0]"), failure.reason)
                } else {
                    XCTAssertNoThrow(try resolved.get(), name)
                }
                continue
            }
            let xml = try XCTUnwrap(strictValidator.check(try sampleBytes(name + ".xml")).document?.msgHead, name)
            let decoded = Result { () throws -> Sidecar in try Sidecar.decode(try sampleBytes(name + ".json")) }
            switch (name, decoded) {
            case ("95-broken-sidecar-typo", .failure(let error)):
                XCTAssertTrue(String(describing: error).contains("recieverHerIds"), String(describing: error))
            case ("96-broken-sender-mismatch", .success(.nhn(let sidecar))):
                XCTAssertEqual(sidecar.senderHerId, 1234567)
                XCTAssertNotEqual(sidecar.senderHerId, xml.senderHerId)
            case (_, .success(.nhn(let sidecar))):
                XCTAssertEqual(sidecar.receiverHerIds, [xml.receiverHerId].compactMap { $0 }, name)
                XCTAssertTrue(sidecar.senderHerId == nil || sidecar.senderHerId == xml.senderHerId, name)
            default:
                XCTFail("\(name): unexpected sidecar outcome \(decoded)")
            }
        }
    }
}
