import DropbridgeCore

/// Judges a snapshot: every reason the bridge cannot do its work now (`/readyz` 503), and
/// every stuck-work alert. Pure, so each rule has its own unit test.
package struct HealthCheck: Sendable {
    package var alerts: BridgeConfig.Alerts
    /// The APIs the bridge depends on (`nhn`, and `altinn` when enabled).
    package var apis: [String]

    package init(alerts: BridgeConfig.Alerts, apis: [String]) {
        self.alerts = alerts
        self.apis = apis
    }

    package func problems(in snapshot: MonitorSnapshot) -> [HealthProblem] {
        let now = snapshot.takenAt
        var found: [HealthProblem] = []
        if let problem = snapshot.ledgerProblem {
            found.append(.init(code: "ledger_not_writable", reason: "the ledger does not take writes: \(problem)"))
        }
        for folder in snapshot.folders where folder.missing {
            found.append(.init(code: "folder_missing", reason: "folder \(folder.name)/ is missing"))
        }
        if let free = snapshot.diskFreeBytes, alerts.minFreeBytes > 0 {
            let threshold = BridgeConfig.Alerts.minFreeBytes(alerts.minFreeBytes, filesystemBytes: snapshot.diskTotalBytes ?? .max)
            if free < threshold {
                found.append(
                    .init(
                        code: "disk_nearly_full",
                        reason: "the disk is nearly full: \(Self.bytes(free)) free, less than \(Self.bytes(threshold)) (alerts.minFreeBytes, at most 5 % of the disk); received messages wait at NHN until there is room"))
            }
        }
        for api in apis {
            let state = snapshot.apis[api] ?? ReachabilityState()
            if let refusal = state.credentialsRefused {
                found.append(.init(code: "credentials_refused", reason: "\(api): credentials refused: \(refusal)"))
            }
            if alerts.unreachableSeconds > 0, let down = state.unreachable(longerThan: alerts.unreachableSeconds, now: now) {
                found.append(.init(code: "\(api)_unreachable", reason: "\(api) has not answered for \(Self.age(down)) (alerts.unreachableSeconds is \(Self.age(alerts.unreachableSeconds)))"))
            }
        }
        let receiving = snapshot.receiving
        if receiving.configured {
            switch receiving.state {
            case "streaming", "polling":
                if receiving.state == "streaming", alerts.silentStreamSeconds > 0 {
                    let since = max(receiving.lastNotificationAt ?? 0, receiving.since ?? 0)
                    if since > 0, now - since > alerts.silentStreamSeconds {
                        found.append(
                            .init(
                                code: "stream_silent",
                                reason: "no notification for \(Self.age(now - since)) although the stream says it is connected (alerts.silentStreamSeconds is \(Self.age(alerts.silentStreamSeconds)))"))
                    }
                }
            case "registering" where now - (receiving.since ?? now) < max(alerts.unreachableSeconds, 30):
                break  // starting: NHN gets a moment to take the registration
            case let state where state != "refused" && now - (snapshot.startedAt ?? 0) < max(alerts.unreachableSeconds, 30):
                // This daemon has just started: the state is the last run's (or none) until
                // receiving says where it is; a refusal is NHN's answer, told at once.
                break
            case let state:
                let detail = receiving.detail.map { ": \($0)" } ?? ""
                found.append(.init(code: "receiving_not_running", reason: "receiving is \(state ?? "not started")\(detail)"))
            }
        }
        if alerts.stuckSeconds > 0, let oldest = snapshot.drops.stuck.first {
            let count = snapshot.drops.stuck.count
            found.append(
                .init(
                    code: "drop_stuck",
                    reason: "\(count)\(count == 100 ? "+" : "") drop(s) without an answer for longer than alerts.stuckSeconds (\(Self.age(alerts.stuckSeconds))); the oldest, \(oldest.name), is \(oldest.state) for \(Self.age(oldest.ageSeconds))\(oldest.reason.map { ": \($0)" } ?? "")"))
        }
        if snapshot.sendingPaused {
            // The same sentence `dropbridge status` prints (since when, who).
            let reason = snapshot.status?.pause?.reason ?? "sending is paused by an operator; receiving goes on"
            found.append(.init(code: "sending_paused", reason: reason + " (`dropbridge resume` starts it again)"))
        }
        for item in snapshot.status?.needsOperator ?? [] where item.kind == .registrationRefused {
            // Drops from that HER-id wait (they go on by themselves once NHN accepts).
            found.append(.init(code: "registration_refused", reason: "\(item.subject): \(item.reason)"))
        }
        if !snapshot.drops.held.isEmpty {
            found.append(
                .init(code: "drops_held", reason: "\(snapshot.drops.held.count) drop(s) held for an operator; the first, \(snapshot.drops.held[0].name): \(snapshot.drops.held[0].reason ?? "no reason recorded")"))
        }
        if alerts.inboxSeconds > 0, let inbox = snapshot.folders.first(where: { $0.name == "inbox" }),
            let age = inbox.oldestAgeSeconds, age > alerts.inboxSeconds
        {
            found.append(
                .init(
                    code: "inbox_waiting",
                    reason: "\(inbox.files) file(s) in inbox/, the oldest for \(Self.age(age)) (alerts.inboxSeconds is \(Self.age(alerts.inboxSeconds))): is the EPJ still importing?"))
        }
        return found
    }

    static func age(_ seconds: Double) -> String {
        switch seconds {
        case ..<120: "\(Int(seconds)) s"
        case ..<7200: "\(Int(seconds / 60)) min"
        default: "\(Int(seconds / 3600)) h"
        }
    }

    static func bytes(_ count: Int64) -> String {
        switch count {
        case ..<(10 << 20): "\(count / 1024) KiB"
        case ..<(10 << 30): "\(count >> 20) MiB"
        default: "\(count >> 30) GiB"
        }
    }
}
