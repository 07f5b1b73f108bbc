/// Runs an operation that must finish by a deadline; past it the operation is cancelled and
/// `TimeLimit.Exceeded` is thrown.
enum TimeLimit {
    struct Exceeded: Error, CustomStringConvertible {
        var description: String { "the request deadline passed" }
    }

    static func run<T: Sendable>(
        until deadline: ContinuousClock.Instant, _ operation: @escaping @Sendable () async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await operation() }
            group.addTask {
                try await Task.sleep(until: deadline, clock: .continuous)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw Exceeded() }
            return value
        }
    }
}
