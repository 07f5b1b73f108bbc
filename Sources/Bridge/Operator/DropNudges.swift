import Synchronization

/// `dropbridge retry --now`: cuts a drop's backoff sleep short so its next attempt starts at once.
public final class DropNudges: Sendable {
    private let sleeping = Mutex<[Int64: ShutdownSignal]>([:])

    public init() {}

    /// A drop's backoff: like `shutdown.sleep(for:)` (false on shutdown or cancellation), but
    /// `nudge` ends it early (true).
    public func sleep(dropId: Int64?, for duration: Duration, shutdown: ShutdownSignal) async -> Bool {
        guard let dropId else { return await shutdown.sleep(for: duration) }
        let nudge = ShutdownSignal()
        sleeping.withLock { $0[dropId] = nudge }
        defer { sleeping.withLock { if $0[dropId] === nudge { $0[dropId] = nil } } }
        await sleepUntilEither(shutdown, nudge, for: duration)
        return !shutdown.isTriggered && !Task.isCancelled
    }

    /// Wakes the named drops' backoff sleeps (nil: every one); returns the ids that slept.
    @discardableResult
    public func nudge(_ ids: Set<Int64>?) -> [Int64] {
        let woken = sleeping.withLock { sleeping -> [(Int64, ShutdownSignal)] in
            let chosen = sleeping.filter { ids?.contains($0.key) ?? true }
            for (id, _) in chosen { sleeping[id] = nil }
            return chosen.map { ($0.key, $0.value) }
        }
        for (_, signal) in woken { signal.trigger() }
        return woken.map(\.0).sorted()
    }

    /// Ids of drops sleeping in backoff now.
    public var sleepingIds: Set<Int64> { sleeping.withLock { Set($0.keys) } }
}
