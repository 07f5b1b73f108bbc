import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Synchronization
import XCTest

/// The pipeline against the `DropChannel` seam alone: whatever the channel (NHN, Altinn), each
/// outcome it reports is recorded, retried or filed the same way. No HTTP.
final class PipelineChannelTests: XCTestCase {
    func testAnAcceptedDeliveryIsRecordedAndFiledInSent() async throws {
        let (harness, channel) = try makeHarness()
        channel.answer([.accepted(messageId: "channel-id-1")])
        let drop = try await harness.claim("accepted")

        let ending = await pipeline(harness, channel).run(drop)

        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(channel.deliveries, 1)
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.state, .accepted)
        XCTAssertEqual(stored.messageId, "channel-id-1")
        XCTAssertEqual(stored.possibleDuplicates, 0)
        XCTAssertEqual(harness.store.filed, ["sent/accepted"])
    }

    func testARefusalFailsTheDropOnceWithTheChannelsReason() async throws {
        let (harness, channel) = try makeHarness()
        channel.answer([.refused(DropFailure(stage: .sending, reason: "refused by the channel"))])
        let drop = try await harness.claim("refused")

        let ending = await pipeline(harness, channel).run(drop)

        XCTAssertEqual(ending, .failed)
        XCTAssertEqual(channel.deliveries, 1, "a refusal is never tried again")
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.state, .failed)
        XCTAssertEqual(stored.failure?.reason, "refused by the channel")
        XCTAssertEqual(harness.store.filed, ["failed/refused"])
    }

    func testPassingTroubleIsRetriedUntilAcceptedWithoutCountingADuplicate() async throws {
        let (harness, channel) = try makeHarness()
        channel.answer([
            .retry(reason: "HTTP 503", retryAfter: nil, mayHaveArrived: false),
            .retry(reason: "HTTP 429", retryAfter: 0.01, mayHaveArrived: false),
            .accepted(messageId: "after-trouble"),
        ])
        let drop = try await harness.claim("transient")

        let ending = await pipeline(harness, channel).run(drop)

        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(channel.deliveries, 3)
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.messageId, "after-trouble")
        XCTAssertEqual(stored.possibleDuplicates, 0, "the channel said these could not have arrived")
    }

    func testALostAnswerIsDeliveredAgainAndCountedAsAPossibleDuplicate() async throws {
        let (harness, channel) = try makeHarness()
        // Without receiving nothing can prove the first delivery arrived: sent again at once.
        harness.config.nhn.receive = .off
        channel.answer([.retry(reason: "connection reset after the request", retryAfter: nil, mayHaveArrived: true)])
        let drop = try await harness.claim("lost-answer")

        let ending = await pipeline(harness, channel).run(drop)

        XCTAssertEqual(ending, .sent)
        XCTAssertEqual(channel.deliveries, 2)
        XCTAssertEqual(try harness.stored(drop).possibleDuplicates, 1)
    }

    func testAHeldDeliveryWaitsForAnOperatorWithoutRetrying() async throws {
        let (harness, channel) = try makeHarness()
        channel.answer([.held(reason: "credentials refused")])
        let drop = try await harness.claim("held")

        let ending = await pipeline(harness, channel).run(drop)

        XCTAssertEqual(ending, .held)
        XCTAssertEqual(channel.deliveries, 1)
        let stored = try harness.stored(drop)
        XCTAssertEqual(stored.state, .held)
        XCTAssertEqual(harness.store.filed, [], "a held drop stays claimed")
    }

    private func makeHarness() throws -> (PipelineHarness, ScriptedChannel) {
        let harness = try PipelineHarness()
        addTeardownBlock { harness.remove() }
        return (harness, ScriptedChannel())
    }

    private func pipeline(_ harness: PipelineHarness, _ channel: ScriptedChannel) -> DropPipeline {
        var pipeline = harness.pipeline
        pipeline.channels = DropChannels(nhn: channel)
        return pipeline
    }
}

/// A channel answering from a script (accepted with a fresh id once the script is used up).
final class ScriptedChannel: DropChannel {
    private let script = Mutex<[DeliveryOutcome]>([])
    private let delivered = Mutex(0)

    func answer(_ outcomes: [DeliveryOutcome]) { script.withLock { $0 += outcomes } }

    var deliveries: Int { delivered.withLock { $0 } }

    func deliver(_ prepared: PreparedDrop, for drop: DropRecord) async -> DeliveryOutcome {
        delivered.withLock { $0 += 1 }
        return script.withLock { $0.isEmpty ? .accepted(messageId: UUID().uuidString.lowercased()) : $0.removeFirst() }
    }

    func recipientResults(for drop: DropRecord) throws -> [RecipientResult]? { nil }
}
