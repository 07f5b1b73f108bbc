import CLinuxSys
import Dispatch
import Glibc
import Synchronization

/// A doorbell between processes: a command that left work for the daemon in the ledger rings
/// it (opens a file for writing and closes it), and the daemon, which watches the file's folder
/// with inotify, looks at once instead of polling the ledger. The ledger stays the truth: a
/// ring only says "look now", and a daemon without inotify (or a ring that failed) still finds
/// the work at its next slow look.
package final class RequestBell: Sendable {
    /// `IN_CLOSE_WRITE` events for the bell's name, counted.
    private let rings = Mutex<UInt64>(0)
    /// Dispatch sources are thread-safe (and `cancel` may be called more than once), but not
    /// marked Sendable.
    private nonisolated(unsafe) let source: (any DispatchSourceRead)?
    /// Whether inotify watches the folder (else only the slow look finds requests).
    package let isWatching: Bool
    /// Called on each ring (from a dispatch queue).
    private let onRing: @Sendable () -> Void

    /// Watches `path`'s folder for rings of `path`; `onRing` is called for each.
    package init(path: String, onRing: @escaping @Sendable () -> Void) {
        self.onRing = onRing
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[..<$0]) } ?? "."
        let name = Array((slash.map { String(path[path.index(after: $0)...]) } ?? path).utf8)
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        guard fd >= 0, inotify_add_watch(fd, folder, UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_ONLYDIR)) >= 0 else {
            if fd >= 0 { close(fd) }
            source = nil
            isWatching = false
            return
        }
        let read = DispatchSource.makeReadSource(fileDescriptor: fd, queue: DispatchQueue(label: "dropbridge.request-bell"))
        source = read
        isWatching = true
        read.setEventHandler { [weak self] in
            // An overflow may have swallowed a ring: look anyway.
            let rung = Self.drain(fd).contains { $0.name == name || $0.mask & InotifyEvent.queueOverflow != 0 }
            if rung, let self {
                self.rings.withLock { $0 += 1 }
                self.onRing()
            }
        }
        read.setCancelHandler { close(fd) }
        read.activate()
    }

    /// How many rings were heard (for tests).
    package var ringCount: UInt64 { rings.withLock { $0 } }

    /// Stops watching. Safe to call twice.
    package func cancel() { source?.cancel() }

    deinit { cancel() }

    /// Rings the bell at `path`: best effort (a daemon that does not hear it looks later anyway).
    package static func ring(_ path: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if fd >= 0 { close(fd) }
    }

    /// Every event queued now (the descriptor is nonblocking).
    private static func drain(_ fd: Int32) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        let size = 4096
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = Glibc.read(fd, buffer.baseAddress, size)
            if count <= 0 { return events }
            events += InotifyEvent.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }
}
