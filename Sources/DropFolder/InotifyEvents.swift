import CLinuxSys

/// One `struct inotify_event` read from the inotify descriptor.
package struct InotifyEvent: Sendable, Equatable {
    var watch: Int32
    package var mask: UInt32
    var cookie: UInt32
    /// The entry name inside the watched directory (empty for events about the directory itself).
    package var name: [UInt8]

    package init(watch: Int32 = 1, mask: UInt32, cookie: UInt32 = 0, name: [UInt8]) {
        self.watch = watch
        self.mask = mask
        self.cookie = cookie
        self.name = name
    }

    static let headerSize = 16
    static let queueOverflow = UInt32(IN_Q_OVERFLOW)
    static let movedTo = UInt32(IN_MOVED_TO)
    static let folderGone = UInt32(IN_DELETE_SELF) | UInt32(IN_MOVE_SELF) | UInt32(IN_IGNORED) | UInt32(IN_UNMOUNT)

    /// Splits a `read(2)` buffer into events. A truncated tail (impossible from the kernel, which
    /// returns whole events) is ignored rather than trusted.
    static func parse(_ buffer: UnsafeRawBufferPointer) -> [InotifyEvent] {
        var events: [InotifyEvent] = []
        var offset = 0
        while offset + headerSize <= buffer.count {
            let watch = buffer.loadUnaligned(fromByteOffset: offset, as: Int32.self)
            let mask = buffer.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
            let cookie = buffer.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self)
            let length = Int(buffer.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self))
            let nameStart = offset + headerSize
            guard nameStart + length <= buffer.count else { break }
            // The name is NUL-padded to an alignment boundary.
            let name = Array(buffer[nameStart..<nameStart + length].prefix { $0 != 0 })
            events.append(InotifyEvent(watch: watch, mask: mask, cookie: cookie, name: name))
            offset = nameStart + length
        }
        return events
    }

    /// Builds the bytes the kernel would deliver for `events` (for tests of the reader).
    static func encode(_ events: [InotifyEvent]) -> [UInt8] {
        var bytes: [UInt8] = []
        for event in events {
            let padded = event.name.isEmpty ? 0 : (event.name.count + 1 + 15) / 16 * 16
            withUnsafeBytes(of: event.watch.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: event.mask.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: event.cookie.littleEndian) { bytes += $0 }
            withUnsafeBytes(of: UInt32(padded).littleEndian) { bytes += $0 }
            bytes += event.name + [UInt8](repeating: 0, count: padded - event.name.count)
        }
        return bytes
    }
}

/// Folds a burst of events into one wake-up: names are collected (up to a cap), an overflow or
/// the loss of the watched folder wins over plain changes.
struct WakeUpAccumulator: Sendable {
    static let nameCap = 4096

    private(set) var names: [[UInt8]] = []
    private var seen: Set<[UInt8]> = []
    private(set) var renamedIn: [[UInt8]] = []
    private(set) var overflow = false
    private(set) var folderGone = false
    private(set) var isEmpty = true

    mutating func add(_ event: InotifyEvent) {
        // A write alone changes nothing a scan could decide on (the writer's close will wake
        // one): waking for each would rescan the outbox all through a large in-place write.
        if event.mask == UInt32(IN_MODIFY) { return }
        isEmpty = false
        if event.mask & InotifyEvent.queueOverflow != 0 { overflow = true }
        if event.mask & InotifyEvent.folderGone != 0, event.name.isEmpty { folderGone = true }
        guard !event.name.isEmpty, seen.count < Self.nameCap else { return }
        if seen.insert(event.name).inserted { names.append(event.name) }
        if event.mask & InotifyEvent.movedTo != 0 { renamedIn.append(event.name) }
    }

    /// The wake-ups to deliver, most important first; resets the accumulator.
    mutating func drain() -> [OutboxWakeUp] {
        defer { self = WakeUpAccumulator() }
        var result: [OutboxWakeUp] = []
        if folderGone { result.append(.folderGone) }
        if overflow {
            result.append(.overflow)
        } else if !names.isEmpty {
            result.append(.changed(names: names, renamedIn: renamedIn))
        }
        return result
    }
}
