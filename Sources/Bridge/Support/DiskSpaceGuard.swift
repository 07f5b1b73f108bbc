import DropbridgeCore
import Glibc

/// Whether the disk holding a folder has room (`alerts.minFreeBytes`, at most 5 % of the
/// filesystem). Receiving asks before each round of work: on a nearly full disk nothing is
/// fetched, written or marked downloaded, so every message waits safely at NHN.
public struct DiskSpaceGuard: Sendable {
    public var path: String
    public var minFreeBytes: Int
    /// Free and total bytes of the filesystem holding a path (statvfs; tests give their own).
    public var measure: @Sendable (String) -> (free: Int64, total: Int64)?

    public init(path: String, minFreeBytes: Int, measure: @escaping @Sendable (String) -> (free: Int64, total: Int64)? = Self.statfs) {
        self.path = path
        self.minFreeBytes = minFreeBytes
        self.measure = measure
    }

    public static func statfs(_ path: String) -> (free: Int64, total: Int64)? {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return nil }
        return (Int64(info.f_bavail) * Int64(info.f_frsize), Int64(info.f_blocks) * Int64(info.f_frsize))
    }

    /// Nil while there is room (or it cannot be told); otherwise why not, in one sentence.
    public func shortage() -> String? {
        guard minFreeBytes > 0, let (free, total) = measure(path) else { return nil }
        let threshold = BridgeConfig.Alerts.minFreeBytes(minFreeBytes, filesystemBytes: total)
        guard free < threshold else { return nil }
        return "the disk holding \(path) is nearly full (\(free) bytes free, fewer than \(threshold))"
    }
}
