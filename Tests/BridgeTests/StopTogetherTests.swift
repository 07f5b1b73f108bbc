@testable import Bridge
import Logging
import ServiceLifecycle
import XCTest

/// The bridge's graceful stop reaches the outbox and receiving at once, not one after the other
/// as a `ServiceGroup` tells its services, and the group still ends without an error.
final class StopTogetherTests: XCTestCase {
    /// Stands for receiving with calls in flight to a slow NHN: after the stop it returns only
    /// when released.
    struct SlowToStop: Service {
        let release: StopSwitch
        func run() async throws {
            try? await gracefulShutdown()
            // Detached: no task-local shutdown reaches it there, only the release.
            try await Task.detached { try await release.run() }.value
        }
    }

    func testTheStopReachesAnEarlierServiceWhileALaterOneIsStillStopping() async throws {
        let outbox = StopSwitch()
        let release = StopSwitch()
        let group = ServiceGroup(
            configuration: .init(
                services: [
                    .init(service: WaitsForItsTurn(inner: outbox)),
                    .init(service: SlowToStop(release: release)),
                    .init(service: StopTogether(stops: [{ outbox.flip() }]), successTerminationBehavior: .ignore),
                ],
                gracefulShutdownSignals: [], cancellationSignals: [], logger: Logger(label: "test.group")))
        let running = Task { try await group.run() }
        // On a failed wait nothing may stay parked for the rest of the test process.
        addTeardownBlock { release.flip(); outbox.flip(); running.cancel() }
        try await waitUntil("the services run") { outbox.isWaiting }
        await group.triggerGracefulShutdown()
        // The group alone would tell the outbox only once the slow one had returned: never here.
        try await waitUntil("the outbox is told while the slow one still stops") { outbox.isFlipped }
        XCTAssertFalse(release.isFlipped)
        release.flip()
        // The outbox returned before its turn: waiting for it, the group ends without an error.
        try await running.value
    }
}
