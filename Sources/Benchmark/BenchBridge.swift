import Bridge
import Demo
import DropbridgeCore
import Logging

/// A bridge of the bench's own in this process: started on a configuration, measured by
/// `body` while it runs, then stopped and awaited. Every figure that needs a running bridge
/// goes through here, so each starts and stops it the same way.
enum BenchBridge {
    static func run<Result>(
        _ config: BridgeConfig, credentials: Credentials, logger: Logger,
        beforeStart: (BridgeRuntime) -> Void = { _ in },
        _ body: (BridgeRuntime) async throws -> Result
    ) async throws -> Result {
        let runtime = try BridgeRuntime(config: config, credentials: credentials, logger: logger)
        beforeStart(runtime)
        let stopSwitch = StopSwitch()
        let bridge = Task { try await runtime.run(logger: logger, companions: [stopSwitch], signals: []) }
        defer { stopSwitch.flip() }
        let result = try await body(runtime)
        stopSwitch.flip()
        _ = try? await bridge.value
        return result
    }

    /// Waits until `condition` holds, asking every `poll`; throws naming `what` after `timeout`.
    static func wait(
        until what: String, timeout: Duration, poll: Duration, _ condition: () async throws -> Bool
    ) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw DemoError("bench: timed out waiting until \(what)") }
            try await Task.sleep(for: poll)
        }
    }
}
