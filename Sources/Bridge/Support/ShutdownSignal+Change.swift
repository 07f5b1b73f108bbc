import Ledger

extension ShutdownSignal {
    /// Sleeps until `signal` changes past `seen`, `duration` passes, or shutdown (or the task is
    /// cancelled): a waiter woken by the event it waits for, with a deadline. False on shutdown
    /// or cancellation.
    package func sleep(for duration: Duration, orUntil signal: ChangeSignal, changesAfter seen: UInt64) async -> Bool {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await signal.wait(after: seen) }
            group.addTask { _ = await self.sleep(for: duration) }
            await group.next()
            group.cancelAll()
        }
        return !isTriggered && !Task.isCancelled
    }
}
