import ServiceLifecycle

/// A companion service that ends its group (gracefully, as SIGTERM would) when flipped:
/// for the demo's timer, the benchmark and tests.
public actor StopSwitch: Service {
    private var flipped = false
    private var waiter: CheckedContinuation<Void, Never>?

    public init() {}

    public func run() async throws {
        if flipped { return }
        await withGracefulShutdownHandler {
            await withCheckedContinuation { continuation in
                if flipped { continuation.resume() } else { waiter = continuation }
            }
        } onGracefulShutdown: {
            Task { await self.flip() }
        }
    }

    public func flip() {
        flipped = true
        waiter?.resume()
        waiter = nil
    }
}
