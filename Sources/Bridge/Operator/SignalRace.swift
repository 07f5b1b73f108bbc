/// Sleeps until `duration` passes or either signal is triggered (or the task is cancelled).
func sleepUntilEither(_ first: ShutdownSignal, _ second: ShutdownSignal, for duration: Duration) async {
    await withTaskGroup(of: Void.self) { group in
        group.addTask { _ = await first.sleep(for: duration) }
        group.addTask { _ = await second.sleep(for: duration) }
        await group.next()
        group.cancelAll()
    }
}
