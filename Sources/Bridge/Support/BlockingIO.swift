import NIOPosix

/// Runs blocking work (fsync, SQLite commits, large reads) on a thread pool of its own, so the
/// two or so threads of Swift's cooperative pool never sit in the kernel waiting for a disk.
package struct BlockingIO: Sendable {
    private let pool: NIOThreadPool

    package init(pool: NIOThreadPool) {
        self.pool = pool
    }

    /// A started pool with `threads` threads, shut down by the process exit.
    package static func started(threads: Int) -> BlockingIO {
        let pool = NIOThreadPool(numberOfThreads: threads)
        pool.start()
        return BlockingIO(pool: pool)
    }

    package func run<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(work)
    }
}
