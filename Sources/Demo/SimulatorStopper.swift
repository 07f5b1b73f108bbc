import ServiceLifecycle
import Simulator

/// Stops the demo's simulator mid-run, so an operator sees the bridge notice (`/readyz`).
package struct SimulatorStopper: Service {
    let simulator: NHNSimulator
    let after: Double

    package init(simulator: NHNSimulator, after: Double) {
        self.simulator = simulator
        self.after = after
    }

    package func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(after)) }
        if !Task.isShuttingDownGracefully {
            await simulator.stop()
            print("  simulator stopped")
        }
        // Returning would end the demo: wait for its end instead.
        try? await gracefulShutdown()
    }
}
