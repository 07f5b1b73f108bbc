import DropbridgeCore
import Glibc
import SystemPackage

/// What an outbox entry is on disk, from `fstatat` without following symlinks.
package enum EntryFileType: String, Sendable, Equatable, Hashable {
    case regular, directory, symlink, fifo, socket, characterDevice, blockDevice, unknown

    init(_ type: FileType) {
        switch type {
        case .regular: self = .regular
        case .directory: self = .directory
        case .symbolicLink: self = .symlink
        case .fifo: self = .fifo
        case .socket: self = .socket
        case .characterSpecial: self = .characterDevice
        case .blockSpecial: self = .blockDevice
        default: self = .unknown
        }
    }

    /// Words for a `NAME.error.json` reason.
    package var description: String {
        switch self {
        case .regular: "a regular file"
        case .directory: "a folder"
        case .symlink: "a symbolic link"
        case .fifo: "a FIFO (named pipe)"
        case .socket: "a socket"
        case .characterDevice: "a character device"
        case .blockDevice: "a block device"
        case .unknown: "a file of unknown type"
        }
    }
}

/// One outbox entry as seen by one scan.
package struct OutboxEntry: Sendable, Equatable, Hashable {
    /// The entry name as `readdir` returned it.
    package let rawName: [UInt8]
    /// What the name says (drop file of some kind, ignored, not ours).
    package let classification: DropEntryClass
    package let type: EntryFileType
    package let size: Int64
    /// Modification time in nanoseconds since the epoch.
    package let mtimeNanoseconds: Int64
    package let inode: UInt64
    /// Hard links to the file (`st_nlink`); more than one means another name can still change
    /// it, so it is refused like a symlink.
    package let linkCount: Int
    /// Whether dropbridge may read it (`faccessat(R_OK)`; the file is not opened).
    package let readable: Bool

    package init(
        rawName: [UInt8], type: EntryFileType, size: Int64 = 0, mtimeNanoseconds: Int64 = 0,
        inode: UInt64 = 0, linkCount: Int = 1, readable: Bool = true
    ) {
        self.rawName = rawName
        self.classification = DropEntryClass(entryName: rawName)
        self.type = type
        self.size = size
        self.mtimeNanoseconds = mtimeNanoseconds
        self.inode = inode
        self.linkCount = linkCount
        self.readable = readable
    }

    package var kind: DropFileKind? { classification.kind }
    package var dropName: DropName? { classification.dropName }
    /// The name for messages (invalid bytes shown as U+FFFD).
    package var displayName: String { String(decoding: rawName, as: UTF8.self) }
}

/// Lists `outbox/` and stats every drop file in it. Never opens an entry, so a FIFO cannot
/// block a scan and a device is never touched.
package struct OutboxScanner: Sendable {
    package let directory: String

    package init(directory: String) {
        self.directory = directory
    }

    /// Entries whose name is a drop file (`.xml`, `.xml.gz`, `.json`, `.apprec.json`) or looks
    /// like one in other letter case (`NAME.XML`: classified `notOurs`, so the outbox can say why
    /// it is left alone), sorted by name; with `includeAll`, ignored and foreign names too. An
    /// entry that vanishes between the listing and its stat is left out.
    package func scan(includeAll: Bool = false) throws -> [OutboxEntry] {
        try RawPath.withDirectory(directory) { fd in
            var entries: [OutboxEntry] = []
            for name in try DirectoryListing.names(of: fd, path: directory) {
                let classification = DropEntryClass(entryName: name)
                if !includeAll, classification.kind == nil, DropEntryClass.caseLookalike(name) == nil { continue }
                let stat: Stat?
                do {
                    stat = try RawPath.lstat(name, in: fd)
                } catch let error as Errno {
                    throw DurableFileError.io(
                        operation: "fstatat", path: RawPath.join(directory, name), errno: error)
                }
                guard let stat else { continue }
                let type = EntryFileType(stat.type)
                let readable = type != .regular
                    || RawPath.withCString(name) { faccessat(fd.rawValue, $0, R_OK, AT_EACCESS) } == 0
                entries.append(OutboxEntry(
                    rawName: name, type: type, size: stat.size,
                    mtimeNanoseconds: Int64(stat.st_mtim.tv_sec) * 1_000_000_000 + Int64(stat.st_mtim.tv_nsec),
                    inode: UInt64(stat.inode.rawValue), linkCount: stat.linkCount, readable: readable))
            }
            return entries.sorted { $0.rawName.lexicographicallyPrecedes($1.rawName) }
        }
    }
}
