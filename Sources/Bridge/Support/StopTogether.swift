import ServiceLifecycle

/// Passes the bridge's graceful stop to every part at once. A `ServiceGroup` tells its services
/// one at a time, last first, each only once the one before has returned: with NHN answering
/// slowly, receiving's calls still in flight held the outbox's stop back for minutes, and the
/// outbox went on claiming and sending meanwhile. Listed last, this service hears first, and
/// stops the others' new work (they still finish what is in flight, concurrently).
package struct StopTogether: Service {
    let stops: [@Sendable () -> Void]

    package init(stops: [@Sendable () -> Void]) { self.stops = stops }

    package func run() async throws {
        // Cancellation (the group failing) throws here: nothing to pass on then.
        guard (try? await gracefulShutdown()) != nil else { return }
        for stop in stops { stop() }
    }
}

/// A service `StopTogether` may stop before its turn: once it has returned, it waits for its
/// turn in the group's shutdown, since a `ServiceGroup` takes a service that returns during
/// another one's turn for a failure (and cancels the rest, exiting non-zero).
package struct WaitsForItsTurn<Inner: Service>: Service, CustomStringConvertible {
    let inner: Inner

    package init(inner: Inner) { self.inner = inner }

    package var description: String { "\(Inner.self)" }

    package func run() async throws {
        try await inner.run()
        // Returns at once when the turn has come; throws (ignored) on cancellation.
        try? await gracefulShutdown()
    }
}
