import CLinuxSys
import DropbridgeCore
import Foundation
import Glibc
import Logging
import Synchronization

/// A reason to rescan the outbox. Events are only wake-ups: the listing is the truth.
package enum OutboxWakeUp: Sendable, Equatable {
    /// Entries changed. `renamedIn` are names that arrived by rename (complete at once).
    case changed(names: [[UInt8]], renamedIn: [[UInt8]])
    /// The kernel dropped events: rescan everything.
    case overflow
    /// The outbox itself was deleted, moved or unmounted; the watcher now polls.
    case folderGone
    /// Polling mode: time for the periodic rescan.
    case tick
}

package enum OutboxWatcherError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `outbox.inotify: on` and inotify cannot watch the folder.
    case inotifyUnavailable(String)

    package var description: String {
        switch self {
        case let .inotifyUnavailable(reason): "inotify cannot watch the outbox: \(reason)"
        }
    }
}

/// Wakes the outbox consumer when files arrive. inotify is read on a dedicated thread (poll on a
/// nonblocking descriptor), so the cooperative pool never blocks; bursts are folded into one
/// wake-up after a short quiet period. Without inotify (mode `off`, a network filesystem, or a
/// failed `inotify_init1`/`inotify_add_watch` in mode `auto`) it delivers `.tick` every
/// `pollInterval` instead.
package final class OutboxWatcher: Sendable {
    package enum Method: Sendable, Equatable {
        case inotify
        case polling(reason: String)
    }

    package let method: Method
    package let wakeUps: AsyncStream<OutboxWakeUp>
    private let control: WatcherControl
    private let writers = SharedOpenWriters()

    /// Entries some process has written to and not yet closed (empty when polling).
    package var namesBeingWritten: Set<[UInt8]> { writers.names }

    /// - Parameters:
    ///   - quiet: a burst ends after this long without events.
    ///   - maxDelay: a wake-up is delivered at most this long after the first event of a burst.
    package init(
        directory: String, mode: BridgeConfig.InotifyMode, pollInterval: Duration = .seconds(1),
        quiet: Duration = .milliseconds(50), maxDelay: Duration = .milliseconds(500),
        logger: Logger = Logger(label: "dropbridge.outbox.watcher")
    ) throws {
        var inotifyFD: Int32 = -1
        var method = Method.polling(reason: "outbox.inotify is off")
        if mode != .off {
            if mode == .auto, let network = NetworkFilesystem.kind(of: directory) {
                method = .polling(reason: "the outbox is on \(network), where inotify sees no changes made by other machines")
                logger.warning("outbox is on a network filesystem: polling only", metadata: ["filesystem": "\(network)"])
            } else {
                switch InotifySetup.watch(directory) {
                case let .success(fd):
                    inotifyFD = fd
                    method = .inotify
                case let .failure(reason):
                    if mode == .on { throw OutboxWatcherError.inotifyUnavailable(reason) }
                    method = .polling(reason: reason)
                    logger.warning("inotify unavailable, polling the outbox instead", metadata: ["reason": "\(reason)"])
                }
            }
            if mode == .on, method == .inotify, let network = NetworkFilesystem.kind(of: directory) {
                logger.warning(
                    "outbox is on a network filesystem but outbox.inotify is on: changes from other machines will only be seen by the periodic rescan",
                    metadata: ["filesystem": "\(network)"])
            }
        }
        var wakePipe: [Int32] = [-1, -1]
        if pipe(&wakePipe) != 0 {
            let error = errno
            if inotifyFD >= 0 { close(inotifyFD) }
            throw DurableFileError.io(operation: "pipe", path: directory, errno: .init(rawValue: error))
        }
        for fd in wakePipe {
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        let (stream, continuation) = AsyncStream<OutboxWakeUp>.makeStream(bufferingPolicy: .bufferingOldest(64))
        let control = WatcherControl(wakeWrite: wakePipe[1])
        continuation.onTermination = { _ in control.stop() }
        self.method = method
        self.wakeUps = stream
        self.control = control
        let loop = WatcherLoop(
            inotifyFD: inotifyFD, wakeRead: wakePipe[0], control: control, writers: writers, continuation: continuation,
            pollInterval: pollInterval, quiet: quiet, maxDelay: maxDelay, logger: logger)
        let thread = Thread { loop.run() }
        thread.name = "dropbridge-outbox-watcher"
        thread.start()
    }

    /// Stops the thread, closes the descriptors and finishes `wakeUps`. Safe to call twice.
    package func cancel() { control.stop() }

    deinit { control.stop() }
}

/// Shared between the watcher and its thread: the write end of the wake pipe, closed exactly once.
final class WatcherControl: Sendable {
    private let state: Mutex<(wakeWrite: Int32, stopped: Bool)>

    init(wakeWrite: Int32) { state = Mutex((wakeWrite, false)) }

    func stop() {
        state.withLock { state in
            guard !state.stopped else { return }
            state.stopped = true
            var byte: UInt8 = 1
            _ = write(state.wakeWrite, &byte, 1)
        }
    }

    /// Called by the thread when it exits.
    func closeWakeWrite() {
        state.withLock { state in
            if state.wakeWrite >= 0 { close(state.wakeWrite) }
            state.wakeWrite = -1
            state.stopped = true
        }
    }
}

/// The watcher thread's loop. Owns the inotify descriptor and the read end of the wake pipe.
private struct WatcherLoop: Sendable {
    var inotifyFD: Int32
    let wakeRead: Int32
    let control: WatcherControl
    let writers: SharedOpenWriters
    let continuation: AsyncStream<OutboxWakeUp>.Continuation
    let pollInterval: Duration
    let quiet: Duration
    let maxDelay: Duration
    let logger: Logger

    func run() {
        var inotifyFD = self.inotifyFD
        var pending = WakeUpAccumulator()
        let clock = ContinuousClock()
        var burstStart = clock.now
        var lastEvent = clock.now
        var nextTick = clock.now + pollInterval
        defer {
            if inotifyFD >= 0 { close(inotifyFD) }
            close(wakeRead)
            control.closeWakeWrite()
            continuation.finish()
        }
        while true {
            let now = clock.now
            let deadline: ContinuousClock.Instant? =
                if !pending.isEmpty { min(lastEvent + quiet, burstStart + maxDelay) }
                else if inotifyFD < 0 { nextTick }
                else { nil }
            var fds = [pollfd(fd: wakeRead, events: Int16(POLLIN), revents: 0)]
            if inotifyFD >= 0 { fds.append(pollfd(fd: inotifyFD, events: Int16(POLLIN), revents: 0)) }
            let timeout = deadline.map { Self.milliseconds($0 - now) } ?? -1
            let ready = poll(&fds, nfds_t(fds.count), timeout)
            if ready < 0 {
                if errno == EINTR { continue }
                logger.error("poll on the outbox watcher failed", metadata: ["errno": "\(errno)"])
                return
            }
            if fds[0].revents != 0 { return }
            if inotifyFD >= 0, fds.count > 1, fds[1].revents != 0 {
                let events = Self.readAvailable(inotifyFD)
                if !events.isEmpty {
                    writers.note(events)
                    let wasEmpty = pending.isEmpty
                    for event in events { pending.add(event) }
                    if !pending.isEmpty {
                        if wasEmpty { burstStart = clock.now }
                        lastEvent = clock.now
                    }
                }
            }
            let after = clock.now
            if !pending.isEmpty, after >= min(lastEvent + quiet, burstStart + maxDelay) {
                let wakeUps = pending.drain()
                for wakeUp in wakeUps { continuation.yield(wakeUp) }
                if wakeUps.contains(.folderGone), inotifyFD >= 0 {
                    // The watch is gone with the folder: keep the consumer rescanning by polling.
                    logger.error("the outbox folder was deleted, moved or unmounted; polling from now on")
                    close(inotifyFD)
                    inotifyFD = -1
                    nextTick = after + pollInterval
                }
            }
            if inotifyFD < 0, after >= nextTick {
                continuation.yield(.tick)
                nextTick = after + pollInterval
            }
        }
    }

    /// Reads every event queued now (the descriptor is nonblocking).
    private static func readAvailable(_ fd: Int32) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        let size = 64 * 1024
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: size, alignment: 8)
        defer { buffer.deallocate() }
        while true {
            let count = read(fd, buffer.baseAddress, size)
            if count <= 0 { return events }
            events += InotifyEvent.parse(UnsafeRawBufferPointer(rebasing: buffer[0..<count]))
        }
    }

    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        let millis = seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000
        return Int32(clamping: max(0, millis))
    }
}

/// `inotify_init1` + `inotify_add_watch`, with the limits explained when they fail.
enum InotifySetup {
    enum Result { case success(Int32), failure(String) }

    /// IN_MODIFY tells a file being written in place (`OpenWriters`); the kernel folds a
    /// writer's consecutive writes into one queued event.
    static let mask = UInt32(IN_CLOSE_WRITE) | UInt32(IN_MOVED_TO) | UInt32(IN_CREATE) | UInt32(IN_MODIFY)
        | UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_ONLYDIR)

    static func watch(_ directory: String) -> Result {
        let fd = inotify_init1(Int32(IN_NONBLOCK | IN_CLOEXEC))
        if fd < 0 {
            return .failure("inotify_init1 failed: " + explain(errno, limit: "fs.inotify.max_user_instances"))
        }
        if inotify_add_watch(fd, directory, mask) < 0 {
            let error = errno
            close(fd)
            return .failure("inotify_add_watch \(directory) failed: " + explain(error, limit: "fs.inotify.max_user_watches"))
        }
        return .success(fd)
    }

    /// ENOSPC and EMFILE here mean a kernel limit, not a full disk or too many files.
    private static func explain(_ error: Int32, limit: String) -> String {
        switch error {
        case ENOSPC: "the inotify watch limit is reached (raise \(limit) with sysctl)"
        case EMFILE: "the inotify instance limit is reached (raise fs.inotify.max_user_instances with sysctl)"
        case ENFILE: "the system-wide open file limit is reached"
        default: String(cString: strerror(error))
        }
    }
}

/// Filesystems where inotify is blind to changes made elsewhere (`statfs` f_type magic numbers).
enum NetworkFilesystem {
    static let magics: [UInt32: String] = [
        0x6969: "NFS",
        0x517B: "SMB",
        0xFF53_4D42: "CIFS",
        0xFE53_4D42: "SMB2",
        0x6573_5546: "FUSE",
    ]

    /// The network filesystem `path` is on, or nil (also when statfs fails).
    static func kind(of path: String) -> String? {
        guard let type = filesystemType(of: path) else { return nil }
        return name(forMagic: UInt32(truncatingIfNeeded: type))
    }

    private typealias StatfsFunction = @convention(c) (UnsafePointer<CChar>, UnsafeMutableRawPointer) -> Int32

    /// `statfs(2)` f_type. Swift's Glibc module does not export <sys/vfs.h>, so the libc symbol
    /// is looked up at run time. `f_type` is the first field of `struct statfs`, a `long`.
    static func filesystemType(of path: String) -> Int? {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "statfs") else { return nil }
        let statfsCall = unsafeBitCast(symbol, to: StatfsFunction.self)
        // struct statfs is 120 bytes on 64-bit Linux, 84 on 32-bit: 256 is room enough.
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 256, alignment: 16)
        defer { buffer.deallocate() }
        buffer.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
        guard statfsCall(path, buffer) == 0 else { return nil }
        return buffer.load(as: Int.self)
    }

    static func name(forMagic magic: UInt32) -> String? { magics[magic] }
}
