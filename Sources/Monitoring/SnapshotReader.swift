import DropbridgeCore
import Bridge
import Foundation
import Glibc
import Ledger
import Operations

/// Takes a `MonitorSnapshot`: reads the ledger, the folders and the disk (blocking: run it
/// off the cooperative pool), then lets `HealthCheck` judge it.
package struct SnapshotReader: Sendable {
    package var config: BridgeConfig
    package var ledger: Ledger
    package var reachability: Reachability
    package var version: String
    /// When this daemon's monitoring began (its start): receiving gets a moment to say how it is.
    package var startedAt: Double

    package init(
        config: BridgeConfig, ledger: Ledger, reachability: Reachability, version: String, startedAt: Double = Date().timeIntervalSince1970
    ) {
        self.config = config
        self.ledger = ledger
        self.reachability = reachability
        self.version = version
        self.startedAt = startedAt
    }

    package var health: HealthCheck {
        HealthCheck(alerts: config.alerts, apis: (config.nhn.enabled ? ["nhn"] : []) + (config.altinn.enabled ? ["altinn"] : []))
    }

    package func read(now: Double = Date().timeIntervalSince1970) -> MonitorSnapshot {
        var snapshot = MonitorSnapshot(
            takenAt: now, version: version,
            folders: [],
            diskFreeBytes: Self.disk(config.folders.inbox)?.free, ledgerProblem: nil,
            drops: .init(), receiving: .init(configured: config.nhn.enabled && config.nhn.receive != .off && !config.nhn.herIds.isEmpty),
            apis: reachability.snapshot, dropsPerMinute: [], problems: [])
        snapshot.diskTotalBytes = Self.disk(config.folders.inbox)?.total
        snapshot.startedAt = startedAt
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
        for index in snapshot.drops.recentlySent.indices {
            snapshot.drops.recentlySent[index].name = mask(snapshot.drops.recentlySent[index].name)
        }
        for index in snapshot.drops.recentFailures.indices {
            snapshot.drops.recentFailures[index].name = mask(snapshot.drops.recentFailures[index].name)
            snapshot.drops.recentFailures[index].reason = mask(snapshot.drops.recentFailures[index].reason)
        }
        snapshot.receiving.detail = snapshot.receiving.detail.map(mask)
        snapshot.quarantinedNotifications = noted(snapshot.quarantinedNotifications)
        if var status = snapshot.status {
            status.ledger.held = noted(status.ledger.held)
            status.ledger.retrying = noted(status.ledger.retrying)
            status.needsOperator = status.needsOperator.map { item in
                var item = item
                item.subject = mask(item.subject)
                item.reason = mask(item.reason)
                item.action = mask(item.action)
                return item
            }
            status.quarantined = status.quarantined.map { item in
                var item = item
                item.reason = item.reason.map(mask)
                return item
            }
            status.stuck = status.stuck.map { item in
                var item = item
                item.name = mask(item.name)
                item.lastError = item.lastError.map(mask)
                return item
            }
            let detail = status.receiving?.detail.map(mask)
            status.receiving?.detail = detail
            snapshot.status = status
        }
        snapshot.apis = snapshot.apis.mapValues { state in
            var state = state
            state.credentialsRefused = state.credentialsRefused.map(mask)
            return state
        }
    }

    private func readLedger(into snapshot: inout MonitorSnapshot, now: Double) throws {
        // The same report `dropbridge status --json` prints, over the daemon's own ledger.
        let status = try StatusReporter.report(
            config: config, ledger: ledger,
            thresholds: .init(config.alerts), now: now)
        snapshot.folders = Self.folderOrder.compactMap { name in
            status.folders[name].map {
                .init(name: name, files: $0.files, oldestAgeSeconds: $0.oldestAgeSeconds, missing: $0.error != nil)
            }
        }
        snapshot.sendingPaused = status.sendingPaused
        snapshot.lastProgressAt = status.daemon.lastProgressAt
        let recentFailures: [MonitorSnapshot.FailedDrop] = try ledger.recentFailures().map { record in
            MonitorSnapshot.FailedDrop(
                name: ShowReporter.visibleName(record), stage: record.failure?.dropFailure.stage.rawValue ?? "reading",
                reason: record.failure?.dropFailure.reason ?? record.lastError ?? "", filedAt: record.filedAt ?? record.updatedAt)
        }
        let recentlySent: [MonitorSnapshot.SentDrop] = try ledger.recentlySent().map { record in
            let took: Double? = record.acceptedAt.map { max(0, $0 - record.claimedAt) }
            return MonitorSnapshot.SentDrop(
                name: record.releasedAs ?? ShowReporter.visibleName(record), channel: record.channel, messageId: record.messageId,
                filedAt: record.filedAt ?? record.updatedAt, claimToAcceptedSeconds: took)
        }
        let stuck: [MonitorSnapshot.StuckDrop] = status.stuck.map {
            MonitorSnapshot.StuckDrop(name: $0.name, state: $0.state, ageSeconds: $0.ageSeconds, reason: $0.lastError)
        }
        snapshot.drops = MonitorSnapshot.DropReading(
            byState: status.ledger.byState, unfinished: status.ledger.unfinished,
            oldestUnfinishedAgeSeconds: status.oldestUnfinishedAgeSeconds.map { max(0, $0) },
            possibleDuplicates: status.ledger.possibleDuplicates, held: status.ledger.held, retrying: status.ledger.retrying,
            stuck: stuck, recentFailures: recentFailures, recentlySent: recentlySent)
        snapshot.quarantinedNotifications = status.quarantined.map { .init(name: $0.key, reason: $0.reason) }
        snapshot.receiving.quarantined = status.quarantined.count
        if let state = status.receiving {
            snapshot.receiving.state = state.state
            snapshot.receiving.detail = state.detail
            snapshot.receiving.since = state.updatedAt > 0 ? state.updatedAt : nil
            snapshot.receiving.offsets = state.offsets
        }
        snapshot.receiving.pending = try ledger.pendingNotificationCount()
        snapshot.receiving.lastNotificationAt = try ledger.lastNotificationQueuedAt()
        snapshot.status = status
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

    /// The folders in the order the page shows them (`work`: claimed drops in `.dropbridge/work`).
    static let folderOrder = ["outbox", "inbox", "receipts", "sent", "failed", "work"]

    /// Free and total bytes of the filesystem holding `path` (the inbox's: received messages
    /// are what a full disk stops).
    static func disk(_ path: String) -> (free: Int64, total: Int64)? { DiskSpaceGuard.statfs(path) }
}
