import Foundation

/// The operator's page at `/`: one self-contained HTML document (no scripts, no external
/// assets; it reloads itself every `refreshSeconds`). Every text that comes from outside —
/// drop names, reasons, details — goes through `HTMLText.escape`.
package struct StatusPage: Sendable {
    package var refreshSeconds = 10

    package init(refreshSeconds: Int = 10) {
        self.refreshSeconds = refreshSeconds
    }

    package func render(_ snapshot: MonitorSnapshot) -> String {
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <meta http-equiv="refresh" content="\(refreshSeconds)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>dropbridge \(snapshot.ready ? "ready" : "NOT READY")</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:1.5em;color:#222;max-width:70em}
            h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.6em;border-bottom:1px solid #ccc}
            table{border-collapse:collapse}td,th{padding:.2em .8em .2em 0;text-align:left;vertical-align:top}
            td.n{text-align:right;font-variant-numeric:tabular-nums}.ok{color:#17692b}.bad{color:#b00020;font-weight:bold}
            .muted{color:#777}code{word-break:break-all}
            </style></head><body>
            <h1>dropbridge \(HTMLText.escape(snapshot.version)) — <span class="\(snapshot.ready ? "ok" : "bad")">\(snapshot.ready ? "ready" : "NOT READY")</span></h1>
            <p class="muted">as of \(Self.time(snapshot.takenAt)); this page reloads every \(refreshSeconds) s.\(snapshot.lastProgressAt.map { " Last progress: \(Self.time($0))." } ?? "")</p>

            """
        if snapshot.sendingPaused {
            let reason = snapshot.status?.pause.map { HTMLText.escape($0.reason) } ?? "sending is paused; receiving goes on"
            html += "<p id=\"paused\" class=\"bad\">Paused: \(reason) (<code>dropbridge resume</code> starts it again).</p>\n"
        }
        html += problems(snapshot)
        html += actions(snapshot)
        html += folders(snapshot)
        html += drops(snapshot)
        html += chart(snapshot.dropsPerMinute)
        html += noted("Held for an operator", snapshot.drops.held.map { ($0.name, $0.reason) }, id: "held")
        html += noted("Retrying", snapshot.drops.retrying.map { ($0.name, $0.reason) }, id: "retrying")
        html += noted("Quarantined received messages", snapshot.quarantinedNotifications.map { ($0.name, $0.reason) }, id: "quarantined")
        html += stuck(snapshot)
        html += sent(snapshot)
        html += failures(snapshot)
        html += receiving(snapshot)
        html += apis(snapshot)
        html += "</body></html>\n"
        return html
    }

    private func problems(_ snapshot: MonitorSnapshot) -> String {
        guard !snapshot.problems.isEmpty else { return "<section id=\"problems\"><p class=\"ok\">No problems.</p></section>\n" }
        var html = "<section id=\"problems\"><h2>Problems</h2><ul>\n"
        for problem in snapshot.problems {
            html += "<li class=\"bad\"><code>\(HTMLText.escape(problem.code))</code> \(HTMLText.escape(problem.reason))</li>\n"
        }
        return html + "</ul></section>\n"
    }

    /// What `dropbridge status` says needs an operator, each with the command that deals with it.
    private func actions(_ snapshot: MonitorSnapshot) -> String {
        guard let items = snapshot.status?.needsOperator, !items.isEmpty else { return "" }
        var html = "<section id=\"actions\"><h2>Needs an operator</h2><table><tr><th>what</th><th></th><th>why</th><th>then</th></tr>\n"
        for item in items.prefix(50) {
            html += "<tr><td>\(HTMLText.escape(item.kind.rawValue))</td><td><code>\(HTMLText.escape(item.subject))</code></td><td>\(HTMLText.escape(item.reason))</td><td>\(HTMLText.escape(item.action))</td></tr>\n"
        }
        if items.count > 50 { html += "<tr><td colspan=\"4\" class=\"muted\">and \(items.count - 50) more: see <code>dropbridge status</code></td></tr>\n" }
        return html + "</table></section>\n"
    }

    private func folders(_ snapshot: MonitorSnapshot) -> String {
        var html = "<section id=\"folders\"><h2>Folders</h2><table><tr><th>folder</th><th>files</th><th>oldest</th></tr>\n"
        for folder in snapshot.folders {
            let oldest = folder.missing ? "<span class=\"bad\">missing</span>" : folder.oldestAgeSeconds.map(Self.age) ?? "—"
            html += "<tr><td>\(HTMLText.escape(folder.name))/</td><td class=\"n\">\(folder.files)</td><td>\(oldest)</td></tr>\n"
        }
        if let free = snapshot.diskFreeBytes {
            html += "<tr><td colspan=\"3\" class=\"muted\">\(HealthCheck.bytes(free)) free on the disk</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    private func drops(_ snapshot: MonitorSnapshot) -> String {
        var html = "<section id=\"drops\"><h2>Drops by state</h2><table><tr><th>state</th><th>drops</th></tr>\n"
        for (state, count) in snapshot.drops.byState.sorted(by: { $0.key < $1.key }) {
            html += "<tr><td>\(HTMLText.escape(state))</td><td class=\"n\">\(count)</td></tr>\n"
        }
        html += "<tr><td>unfinished</td><td class=\"n\">\(snapshot.drops.unfinished)</td></tr></table>\n"
        if let oldest = snapshot.drops.oldestUnfinishedAgeSeconds {
            html += "<p>The oldest unfinished drop was claimed \(Self.age(oldest)) ago.</p>\n"
        }
        if snapshot.drops.possibleDuplicates > 0 {
            html += "<p>Possible duplicates sent: \(snapshot.drops.possibleDuplicates) (a send was repeated after its answer was lost).</p>\n"
        }
        return html + "</section>\n"
    }

    /// Drops filed per minute over the last hour as an inline SVG bar chart (sent green,
    /// failed red on top).
    private func chart(_ minutes: [MonitorSnapshot.MinuteCount]) -> String {
        let highest = max(1, minutes.map { $0.sent + $0.failed }.max() ?? 1)
        let (width, height, bar) = (600.0, 100.0, 10.0)
        var svg = "<section id=\"chart\"><h2>Drops per minute, last hour</h2>\n"
        svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height) + 16)\" role=\"img\" aria-label=\"drops filed per minute over the last hour; at most \(highest) in a minute\">\n"
        svg += "<rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#f6f6f6\"/>\n"
        for (index, minute) in minutes.enumerated() {
            let x = Double(index) * bar
            let sentHeight = height * Double(minute.sent) / Double(highest)
            let failedHeight = height * Double(minute.failed) / Double(highest)
            if minute.sent > 0 {
                svg += "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(height - sentHeight))\" width=\"\(Self.number(bar - 1))\" height=\"\(Self.number(sentHeight))\" fill=\"#2e7d32\"><title>\(Self.clock(minute.minute)): \(minute.sent) sent</title></rect>\n"
            }
            if minute.failed > 0 {
                svg += "<rect x=\"\(Self.number(x))\" y=\"\(Self.number(height - sentHeight - failedHeight))\" width=\"\(Self.number(bar - 1))\" height=\"\(Self.number(failedHeight))\" fill=\"#c62828\"><title>\(Self.clock(minute.minute)): \(minute.failed) failed</title></rect>\n"
            }
        }
        let first = minutes.first.map { Self.clock($0.minute) } ?? ""
        svg += "<text x=\"0\" y=\"\(Int(height) + 13)\" font-size=\"11\">\(first)</text>"
        svg += "<text x=\"\(Int(width))\" y=\"\(Int(height) + 13)\" font-size=\"11\" text-anchor=\"end\">now (max \(highest)/min)</text>\n"
        let total = minutes.reduce(0) { $0 + $1.sent + $1.failed }
        return svg + "</svg><p class=\"muted\">\(total) drop(s) filed in the last hour.</p></section>\n"
    }

    private func noted(_ title: String, _ drops: [(name: String, reason: String?)], id: String) -> String {
        guard !drops.isEmpty else { return "" }
        var html = "<section id=\"\(id)\"><h2>\(title)</h2><table><tr><th>drop</th><th>reason</th></tr>\n"
        for drop in drops {
            html += "<tr><td><code>\(HTMLText.escape(drop.name))</code></td><td>\(HTMLText.escape(drop.reason ?? "no reason recorded"))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    private func stuck(_ snapshot: MonitorSnapshot) -> String {
        guard !snapshot.drops.stuck.isEmpty else { return "" }
        var html = "<section id=\"stuck\"><h2>Stuck</h2><table><tr><th>drop</th><th>state</th><th>for</th><th>last problem</th></tr>\n"
        for drop in snapshot.drops.stuck {
            html += "<tr><td><code>\(HTMLText.escape(drop.name))</code></td><td>\(HTMLText.escape(drop.state))</td><td>\(Self.age(drop.ageSeconds))</td><td>\(HTMLText.escape(drop.reason ?? "—"))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    /// The latest drops NHN or Altinn accepted: what an operator looks for after dropping one.
    private func sent(_ snapshot: MonitorSnapshot) -> String {
        guard !snapshot.drops.recentlySent.isEmpty else { return "" }
        var html = "<section id=\"sent\"><h2>Last sent</h2><table><tr><th>drop</th><th>when</th><th>channel</th><th>claim to accepted</th><th>message id</th></tr>\n"
        for drop in snapshot.drops.recentlySent {
            let took = drop.claimToAcceptedSeconds.map { Self.duration($0) } ?? "—"
            html += "<tr><td><code>\(HTMLText.escape(drop.name))</code></td><td>\(Self.time(drop.filedAt))</td><td>\(HTMLText.escape(drop.channel))</td><td class=\"n\">\(took)</td><td><code>\(HTMLText.escape(drop.messageId ?? "—"))</code></td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    private func failures(_ snapshot: MonitorSnapshot) -> String {
        guard !snapshot.drops.recentFailures.isEmpty else { return "" }
        var html = "<section id=\"failures\"><h2>Last failures</h2><table><tr><th>drop</th><th>when</th><th>stage</th><th>reason</th></tr>\n"
        for drop in snapshot.drops.recentFailures {
            html += "<tr><td><code>\(HTMLText.escape(drop.name))</code></td><td>\(Self.time(drop.filedAt))</td><td>\(HTMLText.escape(drop.stage))</td><td>\(HTMLText.escape(drop.reason))</td></tr>\n"
        }
        return html + "</table></section>\n"
    }

    private func receiving(_ snapshot: MonitorSnapshot) -> String {
        let receiving = snapshot.receiving
        var html = "<section id=\"receiving\"><h2>Receiving</h2>\n"
        guard receiving.configured else { return html + "<p>off (nhn.receive: off, or no nhn.herIds)</p></section>\n" }
        let running = receiving.state == "streaming" || receiving.state == "polling"
        html += "<p>state: <span class=\"\(running ? "ok" : "bad")\">\(HTMLText.escape(receiving.state ?? "not started"))</span>"
        if let since = receiving.since { html += " since \(Self.time(since))" }
        if let detail = receiving.detail { html += ": \(HTMLText.escape(detail))" }
        html += "</p><table>\n"
        for (herIds, offset) in receiving.offsets.sorted(by: { $0.key < $1.key }) {
            html += "<tr><td>offset for HER-ids \(HTMLText.escape(herIds))</td><td class=\"n\">\(offset)</td></tr>\n"
        }
        html += "<tr><td>notifications not handled yet</td><td class=\"n\">\(receiving.pending)</td></tr>\n"
        html += "<tr><td>quarantined (see receipts/unmatched/)</td><td class=\"n\">\(receiving.quarantined)</td></tr>\n"
        html += "<tr><td>last notification</td><td>\(receiving.lastNotificationAt.map(Self.time) ?? "none yet")</td></tr>\n"
        return html + "</table></section>\n"
    }

    private func apis(_ snapshot: MonitorSnapshot) -> String {
        var html = "<section id=\"apis\"><h2>Services and credentials</h2><table><tr><th>api</th><th>answers</th><th>credentials</th></tr>\n"
        for (api, state) in snapshot.apis.sorted(by: { $0.key < $1.key }) {
            let answers: String =
                if let since = state.failingSince {
                    "<span class=\"bad\">no answer since \(Self.time(since))</span>"
                } else if let last = state.lastAnswerAt {
                    "<span class=\"ok\">answered at \(Self.time(last))</span>"
                } else {
                    "not asked yet"
                }
            let credentials: String =
                if let refusal = state.credentialsRefused {
                    "<span class=\"bad\">refused\(state.credentialsRefusedSince.map { " since \(Self.time($0))" } ?? ""): \(HTMLText.escape(refusal))</span>"
                } else if state.lastAnswerAt != nil {
                    "<span class=\"ok\">accepted</span>"
                } else {
                    "—"
                }
            html += "<tr><td>\(HTMLText.escape(api))</td><td>\(answers)</td><td>\(credentials)</td></tr>\n"
        }
        if snapshot.apis.isEmpty { html += "<tr><td colspan=\"3\" class=\"muted\">no request made yet</td></tr>\n" }
        return html + "</table></section>\n"
    }

    static func age(_ seconds: Double) -> String { HealthCheck.age(seconds) }

    /// A short span with its fraction (a claim to acceptance is often under a second).
    static func duration(_ seconds: Double) -> String {
        seconds < 10 ? String(format: "%.2f s", seconds) : HealthCheck.age(seconds)
    }

    static func time(_ seconds: Double) -> String {
        Date(timeIntervalSince1970: seconds).formatted(.iso8601)
    }

    static func clock(_ seconds: Double) -> String {
        let total = Int(seconds) % 86400
        return String(format: "%02d:%02d", total / 3600, (total / 60) % 60)
    }

    static func number(_ value: Double) -> String { String(format: "%.1f", value) }
}
