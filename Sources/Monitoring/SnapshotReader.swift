import DropbridgeCore
import Bridge
import Foundation
import Glibc
import Ledger

/// Takes a `MonitorSnapshot`: reads the ledger, the folders and the disk (blocking: run it
/// off the cooperative pool), then lets `HealthCheck` judge it.
public struct SnapshotReader: Sendable {
    public var config: BridgeConfig
    public var ledger: Ledger
    public var reachability: Reachability
    public var version: String

    public init(config: BridgeConfig, ledger: Ledger, reachability: Reachability, version: String) {
        self.config = config
        self.ledger = ledger
        self.reachability = reachability
        self.version = version
    }

    public var health: HealthCheck {
        HealthCheck(alerts: config.alerts, apis: (config.nhn.enabled ? ["nhn"] : []) + (config.altinn.enabled ? ["altinn"] : []))
    }

    public func read(now: Double = Date().timeIntervalSince1970) -> MonitorSnapshot {
        var snapshot = MonitorSnapshot(
            takenAt: now, version: version,
            folders: config.folders.all.map { Self.folder($0.key, path: $0.path, now: now) },
            diskFreeBytes: Self.disk(config.folders.inbox)?.free, ledgerProblem: nil,
            drops: .init(), receiving: .init(configured: config.nhn.enabled && config.nhn.receive != .off && !config.nhn.herIds.isEmpty),
            apis: reachability.snapshot, dropsPerMinute: [], problems: [])
        snapshot.diskTotalBytes = Self.disk(config.folders.inbox)?.total
        do {
            try ledger.probeWritable()
        } catch {
            snapshot.ledgerProblem = "\(error)"
        }
        do {
            try readLedger(into: &snapshot, now: now)
        } catch {
            snapshot.ledgerProblem = snapshot.ledgerProblem ?? "cannot read it: \(error)"
        }
        Self.redact(&snapshot)
        snapshot.problems = health.problems(in: snapshot)
        return snapshot
    }

    /// Names and reasons may quote a document (a validation error, NHN's problem details):
    /// whatever looks like an identity number is hidden before anyone sees it.
    static func redact(_ snapshot: inout MonitorSnapshot) {
        let mask = Redaction.maskIdentityNumbers
        func noted(_ drops: [Ledger.NotedDrop]) -> [Ledger.NotedDrop] {
            drops.map { Ledger.NotedDrop(name: mask($0.name), reason: $0.reason.map(mask)) }
        }
        snapshot.drops.held = noted(snapshot.drops.held)
        snapshot.drops.retrying = noted(snapshot.drops.retrying)
        for index in snapshot.drops.stuck.indices {
            snapshot.drops.stuck[index].name = mask(snapshot.drops.stuck[index].name)
            snapshot.drops.stuck[index].reason = snapshot.drops.stuck[index].reason.map(mask)
        }
        for index in snapshot.drops.recentFailures.indices {
            snapshot.drops.recentFailures[index].name = mask(snapshot.drops.recentFailures[index].name)
            snapshot.drops.recentFailures[index].reason = mask(snapshot.drops.recentFailures[index].reason)
        }
        snapshot.receiving.detail = snapshot.receiving.detail.map(mask)
        snapshot.apis = snapshot.apis.mapValues { state in
            var state = state
            state.credentialsRefused = state.credentialsRefused.map(mask)
            return state
        }
    }

    private func readLedger(into snapshot: inout MonitorSnapshot, now: Double) throws {
        let summary = try ledger.summary()
        let stuckBefore = now - (config.alerts.stuckSeconds > 0 ? config.alerts.stuckSeconds : .infinity)
        snapshot.drops = .init(
            byState: summary.byState, unfinished: summary.unfinished,
            oldestUnfinishedAgeSeconds: summary.oldestUnfinishedClaimedAt.map { max(0, now - $0) },
            possibleDuplicates: summary.possibleDuplicates, held: summary.held, retrying: summary.retrying,
            stuck: stuckBefore.isFinite
                ? try ledger.unfinishedDrops(claimedBefore: stuckBefore).map {
                    .init(name: $0.name, state: $0.state.rawValue, ageSeconds: now - $0.claimedAt, reason: $0.lastError)
                } : [],
            recentFailures: try ledger.recentFailures().map {
                .init(
                    name: $0.name, stage: $0.failure?.dropFailure.stage.rawValue ?? "reading",
                    reason: $0.failure?.dropFailure.reason ?? $0.lastError ?? "", filedAt: $0.filedAt ?? $0.updatedAt)
            })
        if let state = try ledger.receiveState() {
            snapshot.receiving.state = state.state
            snapshot.receiving.detail = state.detail
            snapshot.receiving.since = state.updatedAt > 0 ? state.updatedAt : nil
            snapshot.receiving.offsets = state.offsets
        }
        snapshot.receiving.pending = try ledger.pendingNotificationCount()
        snapshot.receiving.quarantined = try ledger.quarantinedNotifications().count
        snapshot.receiving.lastNotificationAt = try ledger.lastNotificationQueuedAt()

        let firstMinute = (now / 60).rounded(.down) - 59
        var minutes = (0..<60).map { MonitorSnapshot.MinuteCount(minute: (firstMinute + Double($0)) * 60, sent: 0, failed: 0) }
        for row in try ledger.filedPerMinute(since: firstMinute * 60) {
            let index = row.minute - Int(firstMinute)
            guard minutes.indices.contains(index) else { continue }
            minutes[index].sent = row.sent
            minutes[index].failed = row.failed
        }
        snapshot.dropsPerMinute = minutes
    }

    /// Files (not dot files: temp names) in a folder and the oldest one's age.
    static func folder(_ name: String, path: String, now: Double) -> MonitorSnapshot.FolderReading {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return .init(name: name, files: 0, oldestAgeSeconds: nil, missing: true)
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        var count = 0
        var oldest: Double?
        for entry in names where !entry.hasPrefix(".") {
            var info = stat()
            guard lstat(path + "/" + entry, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            count += 1
            let age = now - (Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9)
            oldest = max(oldest ?? age, age)
        }
        return .init(name: name, files: count, oldestAgeSeconds: oldest.map { max(0, ($0 * 10).rounded() / 10) }, missing: false)
    }

    /// Free and total bytes of the filesystem holding `path` (the inbox's: received messages
    /// are what a full disk stops).
    static func disk(_ path: String) -> (free: Int64, total: Int64)? { DiskSpaceGuard.statfs(path) }
}
