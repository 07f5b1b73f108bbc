/// Where dropbridge keeps its private state under `<root>/.dropbridge/` (docs/contract.md §1):
/// the one place that names its parts, so the daemon and the commands agree on them.
package struct StateLayout: Sendable, Equatable {
    /// `<root>/.dropbridge`, on the same filesystem as the five folders.
    package var directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// Temporary files, fsynced here and then renamed into the folders.
    package var temporary: String { directory + "/tmp" }
    /// Claimed drops, one folder per claim, until they are filed.
    package var work: String { directory + "/work" }
    /// The SQLite ledger (with its `-wal` and `-shm` beside it).
    package var ledger: String { directory + "/ledger.sqlite" }
    /// The lock that lets one dropbridge at a time use a root.
    package var lock: String { directory + "/lock" }
    /// Rung (opened for writing, closed) by `release`, `retry --now`, `pause` and `resume` after
    /// they wrote their request into the ledger: the daemon, watching for it, looks at once.
    package var requestBell: String { directory + "/requests" }
}

extension BridgeConfig {
    /// The layout of `stateDirectory`.
    package var state: StateLayout { StateLayout(directory: stateDirectory) }
}
