import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// This process's CPU time (getrusage: user + system) and resident memory. The bridge runs in
/// the bench's process, the simulator in another, so the CPU is the bridge's plus the bench's
/// own small share (renaming drops in, asking for progress every few milliseconds).
struct ProcessUsage {
    var cpuSeconds: Double

    static func now() -> ProcessUsage {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return ProcessUsage(cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime))
    }

    /// CPU milliseconds per item between `earlier` and now.
    static func cpuMs(since earlier: ProcessUsage, per items: Int) -> Double {
        ((now().cpuSeconds - earlier.cpuSeconds) * 1000 / Double(max(1, items))).rounded(toPlaces: 3)
    }
}

/// The daemon with nothing to do: the notification stream open, heartbeats arriving.
struct IdleUsage: Codable {
    var seconds: Double
    var rssBytes: Int
    /// `rssBytes` split: private (heap, stacks) and file-backed (shared pages of the binary and its libraries).
    var anonymousRSSBytes: Int
    var fileRSSBytes: Int
    var cpuSecondsPerMinute: Double

    /// Watches this process for `seconds` while the bench itself sleeps.
    static func measure(seconds: Int) async throws -> IdleUsage {
        let before = ProcessUsage.now()
        let start = ContinuousClock.now
        try await Task.sleep(for: .seconds(seconds))
        let elapsed = (ContinuousClock.now - start).seconds
        let cpu = ProcessUsage.now().cpuSeconds - before.cpuSeconds
        return IdleUsage(
            seconds: elapsed.rounded(toPlaces: 1), rssBytes: MemoryUsage.currentBytes(),
            anonymousRSSBytes: MemoryUsage.anonymousBytes(), fileRSSBytes: MemoryUsage.fileBytes(),
            cpuSecondsPerMinute: (cpu * 60 / elapsed).rounded(toPlaces: 3))
    }
}
