import DropbridgeCore
import Glibc
import SystemPackage

/// A drop taken out of the outbox into `<state>/work/<claimId>/`.
package struct ClaimedDrop: Sendable, Equatable {
    package let claimId: String
    package let name: DropName
    /// `<state>/work/<claimId>`.
    package let directory: String
    /// The files now in the claim, in claim order, by kind (one file per kind).
    package let kinds: [DropFileKind]
    /// The final name chosen by a release that did not finish (a crash mid-release).
    package let pendingReleaseName: String?

    /// Path of the claimed file of `kind` (ASCII, see `DropFileKind.claimedFileName`), if present.
    package func path(of kind: DropFileKind) -> String? {
        kinds.contains(kind) ? directory + "/" + kind.claimedFileName : nil
    }

    /// The claimed document (`.xml` or `.xml.gz`), if any.
    package var documentKind: DropFileKind? { kinds.first { $0.isDocument } }
}

/// Claims drops before anything reads them: each file is moved (durably, never overwriting)
/// into its own claim directory on the same filesystem. The document moves first and the
/// sidecar, the commit marker, last; a manifest written before the first move lets `recover`
/// finish a claim interrupted by a crash.
package struct ClaimArea: Sendable {
    /// `<state>/work`.
    package let workDirectory: String
    let durable: DurableFiles

    package init(workDirectory: String, durable: DurableFiles) {
        self.workDirectory = workDirectory
        self.durable = durable
    }

    package init(settings: FolderSettings) {
        self.init(workDirectory: settings.state.work, durable: DurableFiles(settings: settings))
    }

    package func directory(of claimId: String) -> String { workDirectory + "/" + claimId }

    /// Moves `files` (entries of one NAME in `outbox`) into the claim `claimId`. If a file has
    /// vanished meanwhile, the files already moved go back and `DurableFileError.notFound` is
    /// thrown. A claim id already in use throws `DurableFileError.exists`.
    @discardableResult
    package func claim(name: DropName, files: [OutboxEntry], from outbox: String, claimId: String) throws -> ClaimedDrop {
        try Self.checkClaimId(claimId)
        let ordered = files.compactMap { entry in entry.kind.map { (entry.rawName, $0) } }
            .sorted { $0.1.claimRank < $1.1.claimRank }
        let claimDirectory = directory(of: claimId)
        let manifest = ClaimManifest(
            name: ClaimManifest.hex(name.bytes),
            files: ordered.map { .init(kind: $0.1.rawValue, original: ClaimManifest.hex($0.0)) })
        try makeClaimDirectory(claimDirectory)
        do {
            try durable.create(try manifest.encoded(), in: claimDirectory, named: ClaimManifest.fileName)
        } catch {
            // Nothing was moved (e.g. ENOSPC writing the manifest): leave no empty claim behind.
            try? removeClaimDirectory(claimDirectory)
            throw error
        }
        var moved: [(original: [UInt8], kind: DropFileKind)] = []
        do {
            try DurableFiles.moving(from: outbox, to: claimDirectory) { move in
                for (original, kind) in ordered {
                    try move(original, Array(kind.claimedFileName.utf8))
                    moved.append((original, kind))
                }
            }
        } catch {
            // Give back what was taken so the outbox is as before; a failure here is left to
            // `recover` at the next start.
            var givenBack = true
            for (original, kind) in moved.reversed() {
                do {
                    try DurableFiles.move(Array(kind.claimedFileName.utf8), from: claimDirectory, to: outbox, as: original)
                } catch {
                    givenBack = false
                }
            }
            // The manifest stays while any file is still claimed: it is what `recover` reads.
            if givenBack { try? removeClaimDirectory(claimDirectory) }
            throw error
        }
        return ClaimedDrop(
            claimId: claimId, name: name, directory: claimDirectory, kinds: ordered.map(\.1), pendingReleaseName: nil)
    }

    /// At start-up: finishes claims a crash interrupted (files named in the manifest but still
    /// in the outbox are moved in, e.g. the sidecar after the document), removes claim
    /// directories that hold nothing, and lists every claim present, sorted by claim id.
    /// A claim that cannot be recovered (unreadable manifest, a move refused) is left in place
    /// and reported to `onProblem`; it does not stop the others.
    package func recover(
        outbox: String, onProblem: (_ claimId: String, _ error: any Error) -> Void = { _, _ in }
    ) throws -> [ClaimedDrop] {
        var claims: [ClaimedDrop] = []
        let names = try DirectoryListing.names(in: workDirectory)
        // Batch claims first: an interrupted one is finished before its members are listed.
        var members: [String: ClaimBatchManifest.Member] = [:]
        for batch in loadBatches(names, onProblem: onProblem).sorted(by: { $0.batchId < $1.batchId }) {
            if !batch.complete {
                do {
                    try finishBatch(batch, outbox: outbox)
                } catch {
                    onProblem(batch.fileName, error)
                }
            }
            for member in batch.manifest.members { members[member.claimId] = member }
        }
        for rawId in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let claimId = String(validating: rawId, as: UTF8.self), !claimId.hasPrefix(".") else { continue }
            do {
                if let claim = try recoverClaim(claimId, outbox: outbox, batchMember: members[claimId]) { claims.append(claim) }
            } catch {
                onProblem(claimId, error)
            }
        }
        try? removeSpentBatches()
        return claims
    }

    private func recoverClaim(_ claimId: String, outbox: String, batchMember: ClaimBatchManifest.Member?) throws -> ClaimedDrop? {
        let claimDirectory = directory(of: claimId)
        guard let manifest = try readManifest(claimDirectory) else {
            if let batchMember { return try recoverMember(batchMember) }
            // Crashed between mkdir and the manifest: nothing was moved yet.
            if try DirectoryListing.names(in: claimDirectory).isEmpty { try removeClaimDirectory(claimDirectory) }
            return nil
        }
        var present = try presentKinds(claimDirectory)
        if manifest.release == nil {
            for file in manifest.files {
                guard let kind = manifest.kind(of: file), !present.contains(kind) else { continue }
                do {
                    try DurableFiles.move(
                        manifest.originalName(of: file), from: outbox, to: claimDirectory,
                        as: Array(kind.claimedFileName.utf8))
                    present.insert(kind)
                } catch DurableFileError.notFound {
                    continue
                }
            }
        }
        let kinds = manifest.files.compactMap { manifest.kind(of: $0) }.filter { present.contains($0) }
        if kinds.isEmpty {
            // Released completely, or never got its files: nothing left to do.
            try removeClaimDirectory(claimDirectory)
            return nil
        }
        return ClaimedDrop(
            claimId: claimId, name: manifest.dropName, directory: claimDirectory, kinds: kinds,
            pendingReleaseName: manifest.release?.name)
    }

    /// The claim `claimId` as it is now, or nil when there is none.
    package func claimed(_ claimId: String) throws -> ClaimedDrop? {
        let claimDirectory = directory(of: claimId)
        guard let manifest = try readManifest(claimDirectory) else {
            guard try contents(of: claimId) != nil, let member = try batchMember(claimId) else { return nil }
            let present = try presentKinds(claimDirectory)
            return ClaimedDrop(
                claimId: claimId, name: member.dropName, directory: claimDirectory,
                kinds: member.kinds.filter { present.contains($0) }, pendingReleaseName: nil)
        }
        let present = try presentKinds(claimDirectory)
        return ClaimedDrop(
            claimId: claimId, name: manifest.dropName, directory: claimDirectory,
            kinds: manifest.files.compactMap { manifest.kind(of: $0) }.filter { present.contains($0) },
            pendingReleaseName: manifest.release?.name)
    }

    /// Chooses the name the claimed files will have in `directory`: `finalName`, or `finalName~2`
    /// (then `~3`, …) if any of `finalName` + their suffixes is taken there, and records it in
    /// the manifest before anything moves. Chosen once: called again, it returns the same name.
    /// The caller records it too (the ledger), as the manifest goes with the claim.
    package func chooseReleaseName(_ claimId: String, to directory: String, as finalName: String) throws -> String {
        let claimDirectory = self.directory(of: claimId)
        guard var manifest = try readManifest(claimDirectory) else {
            // A batch member records no name: the first choice is the caller's to keep.
            guard let contents = try contents(of: claimId) else { throw DurableFileError.notFound(path: claimDirectory) }
            return try FreeName.pick(for: finalName, checking: [NameCheck(directory: directory, suffixes: contents.kinds.map(\.suffix))])
        }
        if let earlier = manifest.release, earlier.directory == directory { return earlier.name }
        let present = try presentKinds(claimDirectory)
        let kinds = manifest.files.compactMap { manifest.kind(of: $0) }.filter { present.contains($0) }
        let name = try FreeName.pick(for: finalName, checking: [NameCheck(directory: directory, suffixes: kinds.map(\.suffix))])
        manifest.release = .init(directory: directory, name: name)
        try durable.replace(try manifest.encoded(), in: claimDirectory, named: ClaimManifest.fileName)
        return name
    }

    /// Moves the claimed files to `directory` as the name `chooseReleaseName` picks (`NAME.xml`,
    /// `NAME.json`, …), never overwriting. Removes the claim. Returns the name used.
    /// Called again after a crash mid-release, it keeps the name chosen the first time.
    @discardableResult
    package func release(_ claimId: String, to directory: String, as finalName: String) throws -> String {
        let claimDirectory = self.directory(of: claimId)
        let name = try chooseReleaseName(claimId, to: directory, as: finalName)
        if try contents(of: claimId)?.hasOwnManifest == false {
            try releaseMember(claimId, to: directory, as: name)
            return name
        }
        guard let manifest = try readManifest(claimDirectory) else {
            throw DurableFileError.notFound(path: claimDirectory)
        }
        let present = try presentKinds(claimDirectory)
        let kinds = manifest.files.compactMap { manifest.kind(of: $0) }.filter { present.contains($0) }
        try DurableFiles.moving(from: claimDirectory, to: directory) { move in
            for kind in kinds {
                try move(Array(kind.claimedFileName.utf8), Array((name + kind.suffix).utf8))
            }
        }
        try removeClaimDirectory(claimDirectory)
        return name
    }

    /// Puts the claimed files back into the outbox under their original names (never
    /// overwriting a newer drop of the same name) and removes the claim.
    package func returnToOutbox(_ claimId: String, outbox: String) throws {
        let claimDirectory = directory(of: claimId)
        guard let manifest = try readManifest(claimDirectory) else {
            guard let member = try batchMember(claimId) else { throw DurableFileError.notFound(path: claimDirectory) }
            return try returnMember(member, to: outbox)
        }
        let present = try presentKinds(claimDirectory)
        // Sidecar last again, so the outbox never shows a sidecar without its document.
        for file in manifest.files {
            guard let kind = manifest.kind(of: file), present.contains(kind) else { continue }
            try DurableFiles.move(
                Array(kind.claimedFileName.utf8), from: claimDirectory, to: outbox, as: manifest.originalName(of: file))
        }
        try removeClaimDirectory(claimDirectory)
    }

    // MARK: - Helpers

    static func checkClaimId(_ claimId: String) throws {
        if claimId.isEmpty || claimId.hasPrefix(".") || claimId.contains("/") || claimId.utf8.contains(0) {
            throw DurableFileError.io(operation: "claim", path: claimId, errno: .invalidArgument)
        }
    }

    private func makeClaimDirectory(_ path: String) throws {
        if mkdir(path, 0o700) != 0 {
            let error = Errno(rawValue: errno)
            if error == .fileExists { throw DurableFileError.exists(path: path) }
            throw DurableFileError.io(operation: "mkdir", path: path, errno: error)
        }
        try RawPath.syncDirectory(workDirectory)
    }

    /// Removes the manifest and the (then empty) claim directory, durably.
    func removeClaimDirectory(_ path: String) throws {
        if unlink(path + "/" + ClaimManifest.fileName) != 0, errno != ENOENT {
            throw DurableFileError.io(operation: "unlink", path: path + "/" + ClaimManifest.fileName, errno: Errno(rawValue: errno))
        }
        if rmdir(path) != 0, errno != ENOENT {
            throw DurableFileError.io(operation: "rmdir", path: path, errno: Errno(rawValue: errno))
        }
        try RawPath.syncDirectory(workDirectory)
    }

    func readManifest(_ claimDirectory: String) throws -> ClaimManifest? {
        try Self.readBytes(claimDirectory + "/" + ClaimManifest.fileName).map(ClaimManifest.decode)
    }

    /// The whole file, or nil when there is none (never following a link).
    static func readBytes(_ path: String) throws -> [UInt8]? {
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open(FilePath(path), .readOnly, options: [.closeOnExec, .noFollow])
        } catch let error as Errno where error == .noSuchFileOrDirectory || error == .notDirectory {
            return nil
        }
        defer { try? fd.close() }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = try chunk.withUnsafeMutableBytes { try fd.read(into: $0) }
            if count == 0 { break }
            bytes += chunk[0..<count]
        }
        return bytes
    }

    func presentKinds(_ claimDirectory: String) throws -> Set<DropFileKind> {
        let names = Set(try DirectoryListing.names(in: claimDirectory))
        return Set(DropFileKind.allCases.filter { names.contains(Array($0.claimedFileName.utf8)) })
    }
}
