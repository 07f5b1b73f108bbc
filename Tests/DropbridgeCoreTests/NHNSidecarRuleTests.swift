import DropbridgeCore
import XCTest

/// `receiverHerIds` is bounded and names each receiver once; the refusal names the field.
final class NHNSidecarRuleTests: XCTestCase {
    private func decode(receivers: [Int]) throws(SidecarError) -> Sidecar {
        let list = receivers.map(String.init).joined(separator: ",")
        return try Sidecar.decode(Array(#"{"receiverHerIds":[\#(list)]}"#.utf8))
    }

    private func refusal(receivers: [Int]) -> String? {
        do {
            _ = try decode(receivers: receivers)
            return nil
        } catch {
            return error.message
        }
    }

    func testUpToTheLimitIsAccepted() throws {
        let receivers = Array(1...NHNSidecar.maxReceivers)
        guard case .nhn(let sidecar) = try decode(receivers: receivers) else { return XCTFail() }
        XCTAssertEqual(sidecar.receiverHerIds.count, 100)
    }

    func testMoreThanTheLimitIsRefusedNamingTheField() throws {
        let message = try XCTUnwrap(refusal(receivers: Array(1...101)))
        XCTAssertTrue(message.contains("\"receiverHerIds\""), message)
        XCTAssertTrue(message.contains("101 receivers"), message)
        XCTAssertTrue(message.contains("at most 100"), message)
        XCTAssertNotNil(refusal(receivers: Array(1...5000)))
    }

    func testADuplicateReceiverIsRefusedNamingItsIndex() throws {
        let message = try XCTUnwrap(refusal(receivers: [8094866, 8143025, 8094866]))
        XCTAssertTrue(message.contains("\"receiverHerIds[2]\""), message)
        XCTAssertTrue(message.contains("receiverHerIds[0]"), message)
    }
}
