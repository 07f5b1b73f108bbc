import DropbridgeCore

/// Decides, scan after scan, which NAMEs in the outbox are complete drops, which are refused
/// and which must wait. Pure state machine: no I/O, the time is passed in.
///
/// A file is *stable* when its size, mtime and inode were the same in two observations at least
/// `settle` apart, or when the watcher saw it arrive by rename (writers rename finished files in).
/// Each NAME is decided once per appearance: after a decision, the NAME is quiet until the files
/// decided on are gone (claimed away) or `forget` is called.
package struct PairingTracker: Sendable {
    package let policy: PairingPolicy

    private struct Fingerprint: Equatable, Sendable {
        var type: EntryFileType
        var size: Int64
        var mtime: Int64
        var inode: UInt64
        var linkCount: Int
        init(_ entry: OutboxEntry) {
            type = entry.type
            size = entry.size
            mtime = entry.mtimeNanoseconds
            inode = entry.inode
            linkCount = entry.linkCount
        }
    }

    private struct FileTrack: Sendable {
        var fingerprint: Fingerprint
        /// When the current fingerprint was first seen.
        var since: ContinuousClock.Instant
        var arrivedByRename: Bool
    }

    /// A drop's files share NAME; `NAME.apprec.json` is a drop of its own.
    private struct GroupKey: Hashable, Sendable, Comparable {
        var name: [UInt8]
        var appRec: Bool
        static func < (a: Self, b: Self) -> Bool {
            a.name == b.name ? (!a.appRec && b.appRec) : a.name.lexicographicallyPrecedes(b.name)
        }
    }

    private var tracks: [[UInt8]: FileTrack] = [:]
    /// The last observation's files that end like a drop file in other letter case, by NAME:
    /// an orphan's reason names them (`NAME.XML` is not the document of `NAME.json`).
    private var lookalikes: [[UInt8]: [(entry: OutboxEntry, kind: DropFileKind)]] = [:]
    /// Entry names the watcher reported as renamed in, waiting for the next observation.
    private var renamedIn: [[UInt8]: ContinuousClock.Instant] = [:]
    /// Decided groups: entry name → inode of each file decided on.
    private var decided: [GroupKey: [[UInt8]: UInt64]] = [:]

    package init(policy: PairingPolicy) {
        self.policy = policy
    }

    /// Names from `IN_MOVED_TO`: such a file is complete as soon as it is seen.
    package mutating func noteArrivedByRename(_ entryNames: some Sequence<[UInt8]>, now: ContinuousClock.Instant) {
        for name in entryNames { renamedIn[name] = now }
    }

    /// Entry names a process has written to and not closed yet (the watcher's `OpenWriters`),
    /// set before each `observe`. Such a file is not stable, however long its writer pauses,
    /// until `orphanAfter` passes without a change (a missed close cannot hold it for ever).
    package var beingWritten: Set<[UInt8]> = []

    /// Lets a decided NAME be decided again (e.g. its claim failed and it is still there).
    package mutating func forget(_ name: DropName) {
        decided[GroupKey(name: name.bytes, appRec: false)] = nil
        decided[GroupKey(name: name.bytes, appRec: true)] = nil
    }

    /// Groups of the last observation that hold files (not only folders), with the earliest
    /// instant their decision could change without any change on disk.
    private var waiting: [GroupKey: ContinuousClock.Instant] = [:]

    /// NAMEs seen in the last observation and not yet decided (folders alone do not count).
    package var waitingCount: Int { waiting.count }

    /// When the next observation could decide something even if nothing changes on disk (a
    /// settle window or an orphan timeout ends); nil when nothing is waiting.
    package var nextDecisionTime: ContinuousClock.Instant? { waiting.values.min() }

    /// Feeds one complete scan of the outbox; returns the new decisions, sorted by NAME.
    package mutating func observe(_ entries: [OutboxEntry], now: ContinuousClock.Instant) -> [PairingDecision] {
        updateTracks(entries, now: now)
        var groups: [GroupKey: [OutboxEntry]] = [:]
        for entry in entries {
            guard case let .drop(name, kind) = entry.classification else { continue }
            groups[GroupKey(name: name.bytes, appRec: kind == .appRec), default: []].append(entry)
        }
        lookalikes = [:]
        for entry in entries {
            guard let (name, kind) = DropEntryClass.caseLookalike(entry.rawName) else { continue }
            lookalikes[name.bytes, default: []].append((entry, kind))
        }
        releaseDecidedGroups(entries)
        var decisions: [PairingDecision] = []
        waiting = [:]
        for key in groups.keys.sorted() where decided[key] == nil {
            guard let entries = groups[key] else { continue }
            guard let decision = decide(entries, now: now) else {
                let files = entries.filter { $0.type != .directory }
                if !files.isEmpty { waiting[key] = nextChange(files, now: now) }
                continue
            }
            decided[key] = Dictionary(decision.files.map { ($0.rawName, $0.inode) }, uniquingKeysWith: { a, _ in a })
            decisions.append(decision)
        }
        return decisions
    }

    // MARK: - Bookkeeping

    private mutating func updateTracks(_ entries: [OutboxEntry], now: ContinuousClock.Instant) {
        var next: [[UInt8]: FileTrack] = [:]
        for entry in entries where entry.kind != nil {
            let print = Fingerprint(entry)
            if renamedIn.removeValue(forKey: entry.rawName) != nil {
                next[entry.rawName] = FileTrack(fingerprint: print, since: now, arrivedByRename: true)
            } else if let old = tracks[entry.rawName], old.fingerprint == print {
                next[entry.rawName] = old
            } else {
                next[entry.rawName] = FileTrack(fingerprint: print, since: now, arrivedByRename: false)
            }
        }
        tracks = next
        // A rename reported before the scan that shows it may be seen one scan later; an old
        // report whose file never showed up is dropped.
        let keep = max(policy.settle * 4, .seconds(5))
        renamedIn = renamedIn.filter { now - $0.value <= keep }
    }

    /// A decided group is free again once none of the files decided on is still there.
    private mutating func releaseDecidedGroups(_ entries: [OutboxEntry]) {
        let present = Dictionary(entries.map { ($0.rawName, $0.inode) }, uniquingKeysWith: { a, _ in a })
        decided = decided.filter { _, files in
            files.contains { name, inode in present[name] == inode }
        }
    }

    private func isStable(_ entry: OutboxEntry, now: ContinuousClock.Instant) -> Bool {
        guard let track = tracks[entry.rawName] else { return false }
        if track.arrivedByRename { return true }
        if beingWritten.contains(entry.rawName), now - track.since < policy.orphanAfter { return false }
        return now - track.since >= policy.settle
    }

    /// Time since the newest change among `files`.
    private func quietFor(_ files: [OutboxEntry], now: ContinuousClock.Instant) -> Duration {
        let newest = files.compactMap { tracks[$0.rawName]?.since }.max() ?? now
        return now - newest
    }

    /// The end of the running settle window, or else of the orphan wait.
    private func nextChange(_ files: [OutboxEntry], now: ContinuousClock.Instant) -> ContinuousClock.Instant {
        let settling = files.compactMap { file -> ContinuousClock.Instant? in
            guard let track = tracks[file.rawName], !track.arrivedByRename else { return nil }
            let stableAt = track.since + policy.settle
            return stableAt > now ? stableAt : nil
        }
        if let first = settling.min() { return first }
        let newest = files.compactMap { tracks[$0.rawName]?.since }.max() ?? now
        return newest + policy.orphanAfter
    }

    // MARK: - Decisions

    private func decide(_ entries: [OutboxEntry], now: ContinuousClock.Instant) -> PairingDecision? {
        guard let name = entries.first?.dropName else { return nil }
        let folders = entries.filter { $0.type == .directory }
        // Sub-folders are never touched: they are not part of the drop.
        let files = entries.filter { $0.type != .directory }.sorted(by: claimOrder)
        guard !files.isEmpty, let decision = decideFiles(name, files, folders: folders, now: now) else {
            return nil
        }
        guard let invalid = name.invalidReason else { return decision }
        return .invalidName(
            name: name, files: decision.files,
            reason: "NAME cannot be used because \(invalid); its files are kept under the safe name \(name.safe)")
    }

    private func decideFiles(
        _ name: DropName, _ files: [OutboxEntry], folders: [OutboxEntry], now: ContinuousClock.Instant
    ) -> PairingDecision? {
        if let odd = files.first(where: { $0.type != .regular }) {
            return .unsafe(
                name: name, entry: odd, files: files,
                reason: "\(odd.displayName) is \(odd.type.description), which dropbridge never opens")
        }
        let document = files.first { $0.kind == .document }
        let gzDocument = files.first { $0.kind == .gzDocument }
        let sidecar = files.first { $0.kind == .sidecar }
        let appRec = files.first { $0.kind == .appRec }
        let allStable = files.allSatisfy { isStable($0, now: now) }

        if let appRec {
            return allStable ? ready(DropPair(name: name, kind: .appRec, document: nil, sidecar: nil, appRec: appRec)) : nil
        }
        if let document, let gzDocument {
            guard allStable else { return nil }
            return .conflict(
                name: name, files: files,
                reason: "both \(document.displayName) and \(gzDocument.displayName) are present, so it is unclear which one to send")
        }
        let anyDocument = document ?? gzDocument
        if let anyDocument, sidecar != nil || policy.sidecar == .optional {
            guard allStable else { return nil }
            return ready(DropPair(name: name, kind: .message, document: anyDocument, sidecar: sidecar, appRec: nil))
        }
        guard quietFor(files, now: now) >= policy.orphanAfter, allStable else { return nil }
        let waited = "\(policy.orphanAfter.components.seconds) seconds"
        let lookalike = { (wanted: (DropFileKind) -> Bool) -> String in
            guard let entry = lookalikes[name.bytes]?.first(where: { wanted($0.kind) })?.entry else { return "" }
            return "; \(entry.displayName) is there, but dropbridge takes only lower-case endings (.xml, .xml.gz, .json): rename it"
        }
        if let anyDocument {
            // NAME.apprec.json is an AppRec answer of its own, never this document's sidecar.
            let apprecNote = name.bytes.suffix(7).elementsEqual(".apprec".utf8)
                ? "; a NAME cannot end in .apprec: \(name.safe).json is read as an AppRec answer, so rename the pair" : ""
            return .orphan(
                name: name, files: files,
                reason: "the sidecar \(name.safe).json did not arrive within \(waited) of \(anyDocument.displayName)"
                    + lookalike { $0 == .sidecar } + apprecNote)
        }
        var reason = "the document \(name.safe).xml (or .xml.gz) did not arrive within \(waited) of the sidecar \(name.safe).json"
        if let folder = folders.first(where: { $0.kind?.isDocument == true }) {
            reason += "; \(folder.displayName) is a folder, which dropbridge never touches"
        }
        reason += lookalike { $0.isDocument }
        return .orphan(name: name, files: files, reason: reason)
    }

    /// A ready pair whose files cannot be read, or that have another hard link, is refused at
    /// the reading stage instead. The link count is judged only once the pair is stable: a
    /// producer that publishes with `link(tmp, NAME)` + `unlink(tmp)` has two links for a moment
    /// (and a change of the count restarts the settle window).
    private func ready(_ pair: DropPair) -> PairingDecision {
        if let linked = pair.files.first(where: { $0.linkCount > 1 }) {
            return .unsafe(
                name: pair.name, entry: linked, files: pair.files,
                reason: Self.hardLinkReason(linked.displayName, links: linked.linkCount))
        }
        if let unreadable = pair.files.first(where: { !$0.readable }) {
            return .unsafe(
                name: pair.name, entry: unreadable, files: pair.files,
                reason: "\(unreadable.displayName) cannot be read by dropbridge (permission denied)")
        }
        return .ready(pair)
    }

    /// Shared with the check after the claim (a link made between the scan and the claim).
    package static func hardLinkReason(_ name: String, links: Int) -> String {
        "\(name) has \(links) hard links: another name still points to the same file and could change it after it is sent, so dropbridge refuses it (like a symbolic link) and leaves the other link alone; drop a copy instead"
    }

    /// `DropFileKind.claimRank`; entries of no kind last.
    private func claimOrder(_ a: OutboxEntry, _ b: OutboxEntry) -> Bool {
        (a.kind?.claimRank ?? .max) < (b.kind?.claimRank ?? .max)
    }
}
