import ServiceLifecycle
import Synchronization

/// A companion service that ends its group (gracefully, as SIGTERM would) when flipped:
/// for the demo's timer, the benchmark and tests. Its `run` also returns on graceful shutdown
/// and when its task is cancelled, so a group whose other service failed never waits on it.
///
/// The bookkeeping is `StopSwitchStateMachine`; this shell parks and resumes `run`.
package final class StopSwitch: Service, Sendable {
    private let machine = Mutex(StopSwitchStateMachine<CheckedContinuation<Void, Never>>())

    package init() {}

    package var isFlipped: Bool { machine.withLock { $0.isFlipped } }
    /// `run` is parked, waiting for the flip (for tests).
    var isWaiting: Bool { machine.withLock { $0.isWaiting } }

    package func run() async throws {
        await withTaskCancellationOrGracefulShutdownHandler {
            await withCheckedContinuation { continuation in
                if case .resumeNow = machine.withLock({ $0.wait(continuation) }) { continuation.resume() }
            }
        } onCancelOrGracefulShutdown: {
            self.flip()
        }
    }

    package func flip() {
        if case .resume(let waiter) = machine.withLock({ $0.flip() }) { waiter.resume() }
    }
}
