import Synchronization

/// Counts the fsync calls made by the durable-file code, process-wide: files (temp files and
/// existing files made durable) and directories. Two relaxed atomic adds per fsync, so it is
/// always on; a test or the bench reads `counts` before and after and takes the difference
/// ("fsync calls per drop").
public final class SyncCounter: Sendable {
    public static let shared = SyncCounter()

    public struct Counts: Sendable, Equatable {
        public var files: Int
        public var directories: Int

        public init(files: Int = 0, directories: Int = 0) {
            self.files = files
            self.directories = directories
        }

        public var total: Int { files + directories }

        public static func - (later: Counts, earlier: Counts) -> Counts {
            Counts(files: later.files - earlier.files, directories: later.directories - earlier.directories)
        }
    }

    private let files = Atomic<Int>(0)
    private let directories = Atomic<Int>(0)

    public init() {}

    public var counts: Counts {
        Counts(files: files.load(ordering: .relaxed), directories: directories.load(ordering: .relaxed))
    }

    func fileSynced() { files.add(1, ordering: .relaxed) }
    func directorySynced() { directories.add(1, ordering: .relaxed) }
}
