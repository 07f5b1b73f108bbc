import Foundation
import XCTest

/// The work area after the drops have ended: nothing in it, not even a batch's manifest.
final class WorkAreaTests: XCTestCase {
    func testAnIdleWorkAreaIsEmptyOnceEveryDropHasEnded() async throws {
        let harness = try await BridgeHarness()
        addTeardownBlock { await harness.shutdown() }
        try await harness.start()
        try harness.drop("idle-sent", xml: try OutboxTests.msgHead(msgId: "idle-1"), sidecar: #"{"receiverHerIds":[8094866]}"#)
        try harness.drop("idle-refused", xml: try OutboxTests.msgHead(msgId: "idle-2"), sidecar: #"{"receiverHerIds":"8094866"}"#)
        try harness.drop("idle-orphan", xml: nil, sidecar: #"{"receiverHerIds":[8094866]}"#)
        try await harness.waitUntilFiled("idle-sent", in: harness.config.folders.sent)
        try await harness.waitUntilFiled("idle-refused", in: harness.config.folders.failed)
        // Claimed alone, after the orphan wait: the last claim of all.
        try await harness.waitUntilFiled("idle-orphan", in: harness.config.folders.failed)
        let work = harness.config.state.work
        // Every entry, dot-names included: the spent `.batch-*.claim` manifests too.
        try await harness.waitUntil("the work area is empty") {
            try FileManager.default.contentsOfDirectory(atPath: work).isEmpty
        }
    }
}
