import CLinuxSys
import Synchronization

/// Which outbox entries a process is writing in place right now, as inotify tells it: a write
/// (`IN_MODIFY`) opens the account and the writer's close (`IN_CLOSE_WRITE`) ends it. A file
/// still open for writing is not stable however long its writer pauses: a producer that wrote
/// half a sidecar, paused past the settle window and then wrote the rest had it read half-way
/// and refused. The kernel closes a dead writer's descriptors (and reports it), so the account
/// ends with the writer. Pure value; the watcher's thread feeds it, the scanner reads a copy.
package struct OpenWriters: Sendable, Equatable {
    /// Beyond this many names being written at once, further ones fall back to the settle window.
    static let cap = 4096
    package private(set) var names: Set<[UInt8]> = []

    package init() {}

    package mutating func note(_ event: InotifyEvent) {
        if event.mask & UInt32(IN_Q_OVERFLOW) != 0 {
            // Events were lost: what is open is unknown; the settle window decides meanwhile.
            names.removeAll()
            return
        }
        guard !event.name.isEmpty else { return }
        if event.mask & (UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE)) != 0 {
            // Closed, or a new directory entry (renamed in, linked, created: a write follows if any).
            names.remove(event.name)
        }
        if event.mask & UInt32(IN_MODIFY) != 0, names.count < Self.cap {
            names.insert(event.name)
        }
    }
}

/// The watcher thread's `OpenWriters`, shared with whoever scans.
final class SharedOpenWriters: Sendable {
    private let state = Mutex(OpenWriters())

    func note(_ events: [InotifyEvent]) {
        state.withLock { writers in for event in events { writers.note(event) } }
    }

    var names: Set<[UInt8]> { state.withLock { $0.names } }
}
