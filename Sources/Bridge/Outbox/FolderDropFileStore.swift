import DropFolder
import DropbridgeCore
import Glibc
import Ledger
import SystemPackage

/// The real `DropFileStore`: claimed files live in the `ClaimArea` (`<state>/work/<claimId>/`, a
/// claim of its own or a member of a scan's batch claim);
/// answered drops leave for `sent/` or `failed/` under their final name.
package struct FolderDropFileStore: DropFileStore {
    package let config: BridgeConfig
    package let durable: DurableFiles
    package let area: ClaimArea
    package let io: BlockingIO

    package init(config: BridgeConfig, io: BlockingIO) {
        self.config = config
        durable = DurableFiles(config: config)
        area = ClaimArea(workDirectory: config.state.work, durable: durable)
        self.io = io
    }

    package func read(claimId: String, file: String, limit: Int, shownAs: String) async throws(PreparationError) -> [UInt8] {
        let path = area.directory(of: claimId) + "/" + file
        let result: Result<[UInt8], PreparationError>
        do {
            result = try await io.run { ClaimedFileReader.read(path, shownAs: shownAs, limit: limit) }
        } catch {
            // The thread pool is gone (shutting down): nothing is wrong with the drop.
            throw .transient(reason: "\(shownAs) could not be read now: \(error)")
        }
        return try result.get()
    }

    package func size(claimId: String, file: String) async -> ClaimedFileSize? {
        let path = area.directory(of: claimId) + "/" + file
        return try? await io.run { ClaimedFileReader.size(path, gzipped: file.hasSuffix(".gz")) }
    }

    private func directory(_ destination: DropDestination) -> String {
        destination == .sent ? config.folders.sent : config.folders.failed
    }

    /// The ledger's NAME unless someone put a file of that name into the folder by hand, in
    /// which case `NAME~n`, and the error or receipt file must follow it.
    package func releaseName(for drop: DropRecord, to destination: DropDestination) async throws -> String {
        let directory = directory(destination)
        return try await io.run { [area] in
            guard let contents = try area.contents(of: drop.claimId) else { return drop.releasedAs ?? drop.name }
            if contents.hasOwnManifest { return try area.chooseReleaseName(drop.claimId, to: directory, as: drop.name) }
            // A batch member keeps no name of its own: once a file has moved out, the name
            // recorded in the ledger (before the move) is the one; until then choose afresh.
            if let recorded = drop.releasedAs, !Set(drop.files).isSubset(of: contents.fileNames) { return recorded }
            return try area.chooseReleaseName(drop.claimId, to: directory, as: drop.name)
        }
    }

    package func fileAsSent(_ drop: DropRecord, as name: String, receipt: [UInt8], receiptSuffix: String) async throws {
        try await io.run {
            try releaseIfClaimed(drop, to: config.folders.sent, as: name)
            try createIfMissing(receipt, in: config.folders.receipts, named: name + receiptSuffix)
        }
    }

    package func fileAsFailed(_ drop: DropRecord, as name: String, report: [UInt8]) async throws {
        try await io.run {
            try releaseIfClaimed(drop, to: config.folders.failed, as: name)
            try createIfMissing(report, in: config.folders.failed, named: name + ".error.json")
        }
    }

    package func writeReceipt(_ bytes: [UInt8], named fileName: String) async throws {
        try await io.run { try createIfMissing(bytes, in: config.folders.receipts, named: fileName) }
    }

    package func claimedPath(claimId: String, file: String) -> String? {
        area.directory(of: claimId) + "/" + file
    }

    package func openForReading(claimId: String, file: String, limit: Int, shownAs: String) -> Result<ClaimedFileHandle, PreparationError>? {
        ClaimedFileReader.open(area.directory(of: claimId) + "/" + file, shownAs: shownAs, limit: limit)
    }

    /// Moves the claimed files out under the name chosen before. After a crash mid-filing the
    /// claim may already be gone: then there is nothing to move.
    private func releaseIfClaimed(_ drop: DropRecord, to directory: String, as name: String) throws {
        guard let contents = try area.contents(of: drop.claimId) else { return }
        if !contents.hasOwnManifest { return try area.releaseMember(drop.claimId, to: directory, as: name) }
        let released = try area.release(drop.claimId, to: directory, as: name)
        // The manifest keeps the name chosen first, which the ledger recorded: never file under two.
        guard released == name else { throw ReleaseNameMismatch(recorded: name, chosen: released) }
    }
}

struct ReleaseNameMismatch: Error, CustomStringConvertible {
    var recorded: String
    var chosen: String
    var description: String { "the claim was released as \(chosen), but the ledger recorded \(recorded)" }
}

extension FolderDropFileStore {

    /// The name was reserved for this drop in the ledger, so an existing file of that name is
    /// ours from an interrupted earlier run.
    private func createIfMissing(_ bytes: [UInt8], in directory: String, named name: String) throws {
        do {
            try durable.create(bytes, in: directory, named: name)
        } catch DurableFileError.exists {
            // Perhaps renamed but not yet durable when the earlier run stopped.
            try durable.syncExisting(name, in: directory)
        }
    }
}

/// Reads one claimed file safely. Trouble of the machine (no descriptors or memory left, a full
/// disk, an I/O error) is `transient`; anything about the file itself is a refusal.
enum ClaimedFileReader {
    /// Opens without following links and without blocking (a FIFO must never hang the daemon),
    /// checks type and size on the open descriptor, then reads.
    static func read(_ path: String, shownAs name: String, limit: Int) -> Result<[UInt8], PreparationError> {
        readClassified(path, shownAs: name, limit: limit).mapError { failure in
            failure.transient ? .transient(reason: failure.reason) : .refused(failure.refusal)
        }
    }

    /// Size and gzip trailer of a claimed file (never following links, never blocking).
    static func size(_ path: String, gzipped: Bool) -> ClaimedFileSize? {
        guard let fd = try? FileDescriptor.open(FilePath(path), .readOnly, options: [.noFollow, .nonBlocking, .closeOnExec]) else {
            return nil
        }
        defer { try? fd.close() }
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        let bytes = Int(info.st_size)
        guard gzipped, bytes >= 18 else { return ClaimedFileSize(bytes: bytes) }
        var trailer = [UInt8](repeating: 0, count: 4)
        let count = try? trailer.withUnsafeMutableBytes { try fd.read(fromAbsoluteOffset: Int64(bytes - 4), into: $0) }
        guard count == 4 else { return ClaimedFileSize(bytes: bytes) }
        let inflated = trailer.reversed().reduce(0) { $0 << 8 | Int($1) }
        return ClaimedFileSize(bytes: bytes, inflatedBytes: inflated)
    }

    /// A failure with its errno, before it is judged transient or not.
    private struct Failure: Error {
        var reason: String
        var errno: Errno? = nil
        var refusal: DropFailure { DropFailure(stage: .reading, reason: reason) }
        var transient: Bool { errno.map(LocalTrouble.isTransient) ?? false }
    }

    /// Opens a claimed file to be read in pieces (the document check), with the same refusals
    /// as `read`, decided on the open descriptor before anything is read. Blocking.
    static func open(_ path: String, shownAs name: String, limit: Int) -> Result<ClaimedFileHandle, PreparationError> {
        openClassified(path, shownAs: name, limit: limit)
            .map { ClaimedFileHandle(descriptor: $0.fd, path: path, size: $0.size, shownAs: name) }
            .mapError { failure in failure.transient ? .transient(reason: failure.reason) : .refused(failure.refusal) }
    }

    /// Opened without following links and without blocking (a FIFO must never hang the
    /// daemon); a regular file of at most `limit` bytes, else a refusal. The caller closes it.
    private static func openClassified(_ path: String, shownAs name: String, limit: Int) -> Result<(fd: FileDescriptor, size: Int), Failure> {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.noFollow, .nonBlocking, .closeOnExec])
        } catch let error as Errno {
            let reason =
                switch error {
                case .tooManySymbolicLinkLevels: "\(name) is a symbolic link; links are never followed"
                case .permissionDenied: "\(name) is not readable by dropbridge (permission denied)"
                default: "\(name) could not be opened: \(error)"
                }
            return .failure(Failure(reason: reason, errno: error))
        } catch {
            return .failure(Failure(reason: "\(name) could not be opened: \(error)"))
        }
        var info = stat()
        guard fstat(fd.rawValue, &info) == 0 else {
            let error = Errno(rawValue: errno)
            try? fd.close()
            return .failure(Failure(reason: "\(name) could not be examined: \(error)", errno: error))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            try? fd.close()
            return .failure(Failure(reason: "\(name) is not a regular file (FIFO, device or socket); it was not read"))
        }
        // A link made after the scan (the claim moved this name only): refused, never read.
        guard info.st_nlink <= 1 else {
            return .failure(Failure(reason: PairingTracker.hardLinkReason(name, links: Int(info.st_nlink))))
        }
        let size = Int(info.st_size)
        guard size <= limit else {
            try? fd.close()
            return .failure(Failure(reason: Self.tooLarge(name, size: size, limit: limit)))
        }
        return .success((fd, size))
    }

    private static func readClassified(_ path: String, shownAs name: String, limit: Int) -> Result<[UInt8], Failure> {
        let fd: FileDescriptor, size: Int
        switch openClassified(path, shownAs: name, limit: limit) {
        case .failure(let failure): return .failure(failure)
        case .success(let opened): (fd, size) = opened
        }
        defer { try? fd.close() }
        do {
            var bytes = [UInt8](repeating: 0, count: size)
            var filled = 0
            while filled < size {
                let count = try bytes.withUnsafeMutableBytes { buffer in
                    try fd.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
                }
                if count == 0 { break }
                filled += count
            }
            guard filled == size else {
                return .failure(Failure(reason: "\(name) changed size while it was read"))
            }
            return .success(bytes)
        } catch let error as Errno {
            return .failure(Failure(reason: "\(name) could not be read: \(error)", errno: error))
        } catch {
            return .failure(Failure(reason: "\(name) could not be read: \(error)"))
        }
    }

    /// Names the limit that applies: a sidecar or AppRec answer (JSON, 1 MB) is not a document.
    static func tooLarge(_ name: String, size: Int, limit: Int) -> String {
        if name.hasSuffix(".json") {
            return "\(name) is \(size) bytes, over the \(limit) bytes a sidecar or answer file may have"
        }
        return "\(name) is \(size) bytes, over outbox.maxBytes (\(limit)); NHN refuses requests over 35 MB"
    }
}
