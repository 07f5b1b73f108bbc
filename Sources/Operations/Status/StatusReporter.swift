import Bridge
import DropbridgeCore
import Foundation
import Ledger

/// Builds a `StatusReport` of one root from its config, its ledger (opened read-only) and its
/// folders. Works whether the daemon runs or not, and never writes anything.
package enum StatusReporter {
    /// When unfinished work counts as stuck.
    package struct Thresholds: Sendable, Equatable {
        /// A drop claimed longer ago than this and not yet filed (held drops excepted).
        package var stuckDropSeconds: Double

        package init(stuckDropSeconds: Double = 900) {
            self.stuckDropSeconds = stuckDropSeconds
        }

        /// A file in `inbox/` older than this needs an operator (nil: never).
        package var inboxSeconds: Double?
        /// Free bytes below which the disk is nearly full (nil: never; at most 5 % of the disk).
        package var minFreeBytes: Int?

        /// `alerts.*` (0 turns a check off).
        package init(_ alerts: BridgeConfig.Alerts) {
            stuckDropSeconds = alerts.stuckSeconds > 0 ? alerts.stuckSeconds : .infinity
            inboxSeconds = alerts.inboxSeconds > 0 ? alerts.inboxSeconds : nil
            minFreeBytes = alerts.minFreeBytes > 0 ? alerts.minFreeBytes : nil
        }
    }

    static func registrationAction(_ status: Int?) -> String {
        switch status {
        case 423?: "another HelseID client holds the HER-id's lock: release it there (or stop that client); no restart needed"
        case 403?: "give the HelseID client access to the HER-id (HelseID self-service, the herid claim); no restart needed"
        default: "fix what NHN names; dropbridge tries again by itself, no restart needed"
        }
    }

    /// The pause switch with when it was set and who ran the last `dropbridge pause`.
    static func pause(_ ledger: Ledger, now: Double) throws -> StatusReport.Pause? {
        guard let state = try ledger.operatorSwitchState(Ledger.sendingPausedSwitch), state.on else { return nil }
        let request = try ledger.latestOperatorRequest(.pause)
        return StatusReport.Pause(since: state.since, ageSeconds: max(0, now - state.since), by: request?.requestedBy)
    }

    package static func ledgerPath(_ config: BridgeConfig) -> String { config.state.ledger }

    /// Opens the root's ledger read-only (see `Ledger.openReadOnly`) and reports.
    package static func report(config: BridgeConfig, thresholds: Thresholds = Thresholds(), now: Double = Date().timeIntervalSince1970) throws -> StatusReport {
        let ledger = try Ledger.openReadOnly(path: ledgerPath(config))
        return try report(config: config, ledger: ledger, thresholds: thresholds, now: now)
    }

    package static func report(config: BridgeConfig, ledger: Ledger, thresholds: Thresholds = Thresholds(), now: Double) throws -> StatusReport {
        var folders: [String: StatusReport.FolderStatus] = [:]
        for (key, path) in config.folders.all + [("work", config.state.work)] {
            folders[key] = FolderSurvey.survey(path, now: now)
        }
        let summary = try ledger.summary()
        let lock = LockProbe.probe(config.state.lock)
        let lastProgress = try ledger.lastProgressAt()
        let quarantined = try ledger.quarantinedNotifications().map {
            StatusReport.Quarantined(key: $0.operatorKey, offset: $0.offset, type: $0.type, reason: $0.lastError, since: $0.updatedAt)
        }
        let stuck = try ledger.stuckDrops(claimedBefore: now - thresholds.stuckDropSeconds).map {
            StatusReport.StuckDrop(name: $0.name, state: $0.state.rawValue, claimedAt: $0.claimedAt, ageSeconds: now - $0.claimedAt, lastError: $0.lastError)
        }
        var attention: [StatusReport.Attention] = []
        for held in summary.held {
            attention.append(.init(
                kind: .held, subject: held.name, reason: held.reason ?? "no reason recorded",
                action: "fix the cause, then `dropbridge release \(held.name)`"))
        }
        for item in quarantined {
            attention.append(.init(
                kind: .quarantined, subject: item.key, reason: item.reason ?? "no reason recorded",
                action: "see receipts/unmatched/\(item.key).problem.json, then `dropbridge retry --message \(item.key)`"))
        }
        for drop in stuck {
            attention.append(.init(
                kind: .stuck, subject: drop.name,
                reason: "\(drop.state) for \(StatusText.age(drop.ageSeconds))\(drop.lastError.map { ": \($0)" } ?? "")",
                action: "`dropbridge show \(drop.name)`; `dropbridge retry --now \(drop.name)` tries it at once"))
        }
        if let limit = thresholds.inboxSeconds, let inbox = folders["inbox"], let age = inbox.oldestAgeSeconds, age > limit {
            attention.append(.init(
                kind: .inboxWaiting, subject: "inbox/",
                reason: "\(inbox.files) file(s), the oldest for \(StatusText.age(age)) (alerts.inboxSeconds is \(Int(limit)))",
                action: "check that the EPJ still imports from \(config.folders.inbox)"))
        }
        if let configured = thresholds.minFreeBytes, let (free, total) = DiskSpaceGuard.statfs(config.folders.inbox) {
            let threshold = BridgeConfig.Alerts.minFreeBytes(configured, filesystemBytes: total)
            if free < threshold {
                attention.append(.init(
                    kind: .diskNearlyFull, subject: config.folders.inbox,
                    reason: "\(free) bytes free, fewer than \(threshold); receiving waits (messages stay at NHN) until there is room, and drops that cannot be claimed for want of space stay in the outbox",
                    action: "free space on that disk; receiving and claiming resume by themselves"))
            }
        }
        for refusal in try ledger.registrationRefusals() {
            let waiting = try ledger.unfinishedDropCount(senderHerId: refusal.herId)
            let next = refusal.nextAttemptAt.map { ", tried again at \(StatusReport.utc($0))" } ?? ""
            attention.append(.init(
                kind: .registrationRefused, subject: "HER-id \(refusal.herId)",
                reason: "NHN refuses to register it (PUT /mshconfigurations) since \(StatusReport.utc(refusal.since))\(next): \(refusal.reason); \(waiting) drop(s) from it wait and go on by themselves once NHN accepts",
                action: Self.registrationAction(refusal.httpStatus)))
        }
        let pause = try Self.pause(ledger, now: now)
        if let pause {
            attention.append(.init(
                kind: .sendingPaused, subject: "sending", reason: pause.reason,
                action: "`dropbridge resume` sends again (drops wait claimed meanwhile)"))
        }
        return StatusReport(
            generatedAt: now, root: config.root,
            daemon: .init(
                lock: lock.holder, detail: lock.detail, lastProgressAt: lastProgress,
                lastProgressAgeSeconds: lastProgress.map { max(0, now - $0) }),
            sendingPaused: pause != nil, pause: pause,
            needsOperator: attention, folders: folders, ledger: summary,
            oldestUnfinishedAgeSeconds: summary.oldestUnfinishedClaimedAt.map { now - $0 },
            receiving: try ledger.receiveState(), quarantined: quarantined,
            finalDeliveries: try ledger.finalDeliveryCounts(),
            appRecPossibleDuplicates: try ledger.inboundAppRecPossibleDuplicates(),
            stuck: stuck)
    }
}
