import DropbridgeCore
import Glibc
import SystemPackage

/// One drop of a batch claim: the entries of one NAME in the outbox and the claim id to use.
package struct ClaimRequest: Sendable, Equatable {
    package var name: DropName
    package var files: [OutboxEntry]
    package var claimId: String

    package init(name: DropName, files: [OutboxEntry], claimId: String) {
        self.name = name
        self.files = files
        self.claimId = claimId
    }
}

/// What a claim directory holds now.
package struct ClaimContents: Sendable, Equatable {
    /// The claimed files present, by kind.
    package var kinds: Set<DropFileKind>
    /// A claim of its own (`claim(name:files:from:claimId:)`, with its `.claim` manifest and its
    /// release name recorded there); false for a member of a batch claim.
    package var hasOwnManifest: Bool

    /// The claimed file names present (`document.xml`, `sidecar.json`, …).
    package var fileNames: Set<String> { Set(kinds.map(\.claimedFileName)) }
}

/// Batch claims: the drops of one scan share one manifest (`ClaimBatchManifest`) and one fsync
/// of each folder they touch (`<work>`, the outbox), where claims of their own cost a manifest,
/// its rewrite at release and four folder fsyncs each. What stays per drop is the fsync of its
/// own claim directory after its files moved in. A batch member's release records nothing in
/// the work area: the caller (the ledger's `releasedAs`) keeps the name chosen, and the move out
/// is made durable by the destination's fsync and the removal of the claim directory (fsyncs
/// shared with the drops filed at the same time).
extension ClaimArea {
    /// Claims every request: its claim directory made, one manifest naming them all written
    /// (durable together with the directories: one fsync of `<work>`), each drop's files moved
    /// in (document first, sidecar last) and its directory fsynced, then the outbox fsynced once
    /// and the manifest marked complete (made durable by the next fsync of `<work>`). One result
    /// per request, in order: a drop whose files vanished (`DurableFileError.notFound`) gets its
    /// moved files back and fails alone.
    /// Throws, having moved nothing, when the manifest cannot be written.
    package func claim(_ requests: [ClaimRequest], from outbox: String) throws -> [Result<ClaimedDrop, any Error>] {
        var results = [Result<ClaimedDrop, any Error>?](repeating: nil, count: requests.count)
        var members: [(index: Int, member: ClaimBatchManifest.Member)] = []
        for (index, request) in requests.enumerated() {
            let claimDirectory = directory(of: request.claimId)
            do {
                try Self.checkClaimId(request.claimId)
                if mkdir(claimDirectory, 0o700) != 0 {
                    let error = Errno(rawValue: errno)
                    throw error == .fileExists
                        ? DurableFileError.exists(path: claimDirectory)
                        : DurableFileError.io(operation: "mkdir", path: claimDirectory, errno: error)
                }
            } catch {
                results[index] = .failure(error)
                continue
            }
            let files = request.files.compactMap { entry in
                entry.kind.map {
                    ClaimBatchManifest.File(kind: $0.rawValue, original: ClaimManifest.hex(entry.rawName), inode: entry.inode)
                }
            }.sorted { ($0.dropFileKind?.claimRank ?? .max) < ($1.dropFileKind?.claimRank ?? .max) }
            members.append((index, .init(claimId: request.claimId, name: ClaimManifest.hex(request.name.bytes), files: files)))
        }
        guard let batchId = members.first?.member.claimId else { return results.map { $0! } }
        let claiming = ClaimBatchManifest.fileName(batchId: batchId, complete: false)
        do {
            // Its fsync of <work> also makes the claim directories made above durable.
            try durable.create(try ClaimBatchManifest(members: members.map(\.member)).encoded(), in: workDirectory, named: claiming)
        } catch {
            // Nothing was moved: leave no empty claims behind (recovery removes any left).
            for (_, member) in members { rmdir(directory(of: member.claimId)) }
            throw error
        }
        var claimed = 0
        let outboxFD: FileDescriptor
        do {
            outboxFD = try RawPath.openDirectory(outbox)
        } catch {
            for (_, member) in members { rmdir(directory(of: member.claimId)) }
            _ = unlink(workDirectory + "/" + claiming)
            throw error
        }
        do {
            defer { try? outboxFD.close() }
            for (index, member) in members {
                results[index] = Result { try moveIn(member, from: outbox, outboxFD: outboxFD) }
                if case .success = results[index] { claimed += 1 }
            }
            // The files leave the outbox only once they are durable in their claims.
            do {
                try RawPath.sync(outboxFD, path: outbox)
            } catch {
                for (index, member) in members {
                    guard case .success = results[index] else { continue }
                    // Not durable: give the drop back (whatever stays claimed, recovery finds).
                    try? returnMember(member, to: outbox)
                    results[index] = .failure(error)
                }
                claimed = 0
            }
        }
        let manifestPath = workDirectory + "/" + claiming
        // A member whose files could not all be given back keeps its directory: the manifest
        // stays for recovery to return them.
        let leftOver = members.contains { exists(directory(of: $0.member.claimId)) }
        if claimed == 0 && !leftOver {
            _ = unlink(manifestPath)
        } else {
            // Not fsynced here: the first member's release fsyncs <work> (for its claim
            // directory's removal) and so makes this durable before anything of the batch leaves
            // the work area. Until then a crash leaves `.claiming`, whose recovery has nothing
            // to move in: it moves only the very files (inodes) the scan saw, and those are
            // claimed already. A failed rename is left to recovery the same way.
            _ = rename(manifestPath, workDirectory + "/" + ClaimBatchManifest.fileName(batchId: batchId, complete: true))
        }
        return results.map { $0! }
    }

    /// Moves one member's files into its claim directory and fsyncs it; on failure gives back
    /// what moved and removes the (then empty) directory.
    private func moveIn(_ member: ClaimBatchManifest.Member, from outbox: String, outboxFD: FileDescriptor) throws -> ClaimedDrop {
        let claimDirectory = directory(of: member.claimId)
        return try RawPath.withDirectory(claimDirectory) { claimFD in
            var moved: [ClaimBatchManifest.File] = []
            do {
                for file in member.files {
                    guard let kind = file.dropFileKind else { continue }
                    try NoClobberRename.rename(
                        file.originalName, in: outboxFD, fromPath: outbox,
                        to: Array(kind.claimedFileName.utf8), in: claimFD, toPath: claimDirectory)
                    moved.append(file)
                }
                try RawPath.sync(claimFD, path: claimDirectory)
            } catch {
                var givenBack = true
                for file in moved.reversed() {
                    guard let kind = file.dropFileKind else { continue }
                    do {
                        try NoClobberRename.rename(
                            Array(kind.claimedFileName.utf8), in: claimFD, fromPath: claimDirectory,
                            to: file.originalName, in: outboxFD, toPath: outbox)
                    } catch {
                        givenBack = false
                    }
                }
                if givenBack {
                    rmdir(claimDirectory)
                } else {
                    // What could not be given back stays claimed, durably; recovery returns it.
                    try? RawPath.sync(claimFD, path: claimDirectory)
                }
                throw error
            }
            return ClaimedDrop(
                claimId: member.claimId, name: member.dropName, directory: claimDirectory, kinds: member.kinds,
                pendingReleaseName: nil)
        }
    }

    /// Puts a member's claimed files back under their original names (sidecar last) and removes
    /// its claim directory.
    func returnMember(_ member: ClaimBatchManifest.Member, to outbox: String) throws {
        let claimDirectory = directory(of: member.claimId)
        let present = try presentKinds(claimDirectory)
        try DurableFiles.moving(from: claimDirectory, to: outbox) { move in
            for file in member.files {
                guard let kind = file.dropFileKind, present.contains(kind) else { continue }
                try move(Array(kind.claimedFileName.utf8), file.originalName)
            }
        }
        try removeClaimDirectory(claimDirectory)
    }

    private func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    // MARK: Release

    /// The claimed files present in `<work>/<claimId>/`; nil when there is no such claim.
    package func contents(of claimId: String) throws -> ClaimContents? {
        let claimDirectory = directory(of: claimId)
        let names: [[UInt8]]
        do {
            names = try DirectoryListing.names(in: claimDirectory)
        } catch DurableFileError.io(_, _, let error) where error == .noSuchFileOrDirectory || error == .notDirectory {
            return nil
        } catch let error as Errno where error == .noSuchFileOrDirectory || error == .notDirectory {
            return nil
        }
        let present = Set(names)
        return ClaimContents(
            kinds: Set(DropFileKind.allCases.filter { present.contains(Array($0.claimedFileName.utf8)) }),
            hasOwnManifest: present.contains(Array(ClaimManifest.fileName.utf8)))
    }

    /// Moves a batch member's claimed files to `directory` as exactly `name` + their endings
    /// (document first, sidecar last), never overwriting, and removes the claim. The caller
    /// chose `name` and recorded it before (a crash half-way must finish under the same name).
    /// The claim directory itself is not fsynced: the destination's fsync makes the files
    /// durable there, and the claim's removal is made durable by the fsync of `<work>`.
    package func releaseMember(_ claimId: String, to directory: String, as name: String) throws {
        let claimDirectory = self.directory(of: claimId)
        let present = try presentKinds(claimDirectory)
        let kinds = present.sorted { $0.claimRank < $1.claimRank }
        try RawPath.withDirectory(claimDirectory) { claimFD in
            try RawPath.withDirectory(directory) { targetFD in
                let moved = Result {
                    for kind in kinds {
                        try NoClobberRename.rename(
                            Array(kind.claimedFileName.utf8), in: claimFD, fromPath: claimDirectory,
                            to: Array((name + kind.suffix).utf8), in: targetFD, toPath: directory)
                    }
                }
                try RawPath.sync(targetFD, path: directory)
                try moved.get()
            }
        }
        try removeClaimDirectory(claimDirectory)
    }

    // MARK: Recovery

    struct LoadedBatch {
        var fileName: String
        var batchId: String
        var complete: Bool
        var manifest: ClaimBatchManifest
    }

    /// The batch manifests among `names` (entries of `<work>`); one that cannot be read is
    /// reported to `onProblem` and left in place.
    func loadBatches(_ names: [[UInt8]], onProblem: (_ name: String, _ error: any Error) -> Void) -> [LoadedBatch] {
        var batches: [LoadedBatch] = []
        for raw in names {
            guard let (batchId, complete) = ClaimBatchManifest.parse(raw) else { continue }
            let fileName = String(decoding: raw, as: UTF8.self)
            do {
                guard let bytes = try Self.readBytes(workDirectory + "/" + fileName) else { continue }
                batches.append(LoadedBatch(
                    fileName: fileName, batchId: batchId, complete: complete, manifest: try ClaimBatchManifest.decode(bytes)))
            } catch {
                onProblem(fileName, error)
            }
        }
        return batches
    }

    /// Finishes a batch claim a crash interrupted: every file the manifest names that is still
    /// in the outbox (the same inode the scan saw) moves into its member's directory, if that
    /// directory is there (a member that failed was given back and its directory removed).
    /// Then the manifest is marked complete.
    func finishBatch(_ batch: LoadedBatch, outbox: String) throws {
        for member in batch.manifest.members {
            let claimDirectory = directory(of: member.claimId)
            guard var present = try? presentKinds(claimDirectory) else { continue }
            for file in member.files {
                guard let kind = file.dropFileKind, !present.contains(kind) else { continue }
                let inode = try RawPath.withDirectory(outbox) { fd in try RawPath.lstat(file.originalName, in: fd) }
                    .map { UInt64($0.inode.rawValue) }
                guard inode == file.inode else { continue }
                do {
                    try DurableFiles.move(file.originalName, from: outbox, to: claimDirectory, as: Array(kind.claimedFileName.utf8))
                    present.insert(kind)
                } catch DurableFileError.notFound {
                    continue
                }
            }
        }
        let from = workDirectory + "/" + batch.fileName
        let to = workDirectory + "/" + ClaimBatchManifest.fileName(batchId: batch.batchId, complete: true)
        if Glibc.rename(from, to) != 0 {
            throw DurableFileError.io(operation: "rename", path: from, errno: Errno(rawValue: errno))
        }
        try RawPath.syncDirectory(workDirectory)
    }

    /// A batch member's claim as it is now; nil (and its directory removed) when nothing of it
    /// is left.
    func recoverMember(_ member: ClaimBatchManifest.Member) throws -> ClaimedDrop? {
        let claimDirectory = directory(of: member.claimId)
        let present = try presentKinds(claimDirectory)
        let kinds = member.kinds.filter { present.contains($0) }
        if kinds.isEmpty {
            try removeClaimDirectory(claimDirectory)
            return nil
        }
        return ClaimedDrop(
            claimId: member.claimId, name: member.dropName, directory: claimDirectory, kinds: kinds, pendingReleaseName: nil)
    }

    /// The batch member `claimId`, from the manifests in `<work>` (a slow path: recovery, tools).
    func batchMember(_ claimId: String) throws -> ClaimBatchManifest.Member? {
        let batches = loadBatches(try DirectoryListing.names(in: workDirectory)) { _, _ in }
        for batch in batches.sorted(by: { $0.batchId < $1.batchId }) {
            if let member = batch.manifest.members.first(where: { $0.claimId == claimId }) { return member }
        }
        return nil
    }

    /// Removes the batch manifests none of whose members has a claim directory any more.
    /// Returns how many were removed. No fsync: a spent manifest that comes back after a crash
    /// holds nothing, and recovery removes it again.
    @discardableResult
    package func removeSpentBatches() throws -> Int {
        let names = try DirectoryListing.names(in: workDirectory)
        let entries = Set(names)
        var removed = 0
        for batch in loadBatches(names, onProblem: { _, _ in }) where batch.complete {
            let live = batch.manifest.members.contains { entries.contains(Array($0.claimId.utf8)) }
            if !live, unlink(workDirectory + "/" + batch.fileName) == 0 { removed += 1 }
        }
        return removed
    }
}
