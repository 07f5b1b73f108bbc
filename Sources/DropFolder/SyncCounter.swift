import Synchronization

/// Counts the fsync calls made by the durable-file code, process-wide: files (temp files and
/// existing files made durable) and directories. Two relaxed atomic adds per fsync, so it is
/// always on; a test or the bench reads `counts` before and after and takes the difference
/// ("fsync calls per drop").
package final class SyncCounter: Sendable {
    package static let shared = SyncCounter()

    package struct Counts: Sendable, Equatable {
        package var files: Int
        package var directories: Int

        package init(files: Int = 0, directories: Int = 0) {
            self.files = files
            self.directories = directories
        }

        package var total: Int { files + directories }

        package static func - (later: Counts, earlier: Counts) -> Counts {
            Counts(files: later.files - earlier.files, directories: later.directories - earlier.directories)
        }
    }

    private let files = Atomic<Int>(0)
    private let directories = Atomic<Int>(0)

    package init() {}

    package var counts: Counts {
        Counts(files: files.load(ordering: .relaxed), directories: directories.load(ordering: .relaxed))
    }

    func fileSynced() { files.add(1, ordering: .relaxed) }
    func directorySynced() { directories.add(1, ordering: .relaxed) }
}
