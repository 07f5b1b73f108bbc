/// The `# HELP` text of each metric family. swift-metrics' factory registers every family with
/// an empty help (and the registry refuses a second, different one), so the lines are added to
/// the exposition text before each family's `# TYPE` line.
package enum MetricHelp {
    package static let text: [String: String] = [
        "dropbridge_drops_total": "Drops finished, by channel (nhn, altinn), outcome (sent, failed, held) and the failure's stage (none when sent).",
        "dropbridge_drops_in_state": "Drops in the ledger by state (unfinished ones are being worked on or wait).",
        "dropbridge_oldest_unfinished_age_seconds": "Seconds since the oldest unfinished drop was claimed (0: none).",
        "dropbridge_stuck_drops": "Unfinished drops older than alerts.stuckSeconds (at most 100 are counted).",
        "dropbridge_requests_total": "Requests to external APIs by api, call (route without ids) and status_class (2xx..5xx, transport: no answer, credentials: not sent).",
        "dropbridge_request_duration_seconds": "Duration of requests to external APIs, by api and call.",
        "dropbridge_drop_to_accepted_seconds": "Seconds from claiming a drop to the service accepting it.",
        "dropbridge_notifications_total": "Notifications read from NHN, by type.",
        "dropbridge_inbox_writes_total": "Received documents written to inbox/.",
        "dropbridge_apprecs_total": "Application receipts sent (direction out) or received (in), by status.",
        "dropbridge_possible_duplicates_total": "Sends repeated after an attempt whose answer was lost (the receiver may get the message twice).",
        "dropbridge_notification_events_too_large_total": "Server-Sent Events over 1 MiB from NHN's notification stream (the stream is dropped and reopened).",
        "dropbridge_receive_offset_lag": "Notifications recorded from NHN but not handled yet.",
        "dropbridge_quarantined_notifications": "Received notifications quarantined for an operator (receipts/unmatched/).",
        "dropbridge_folder_files": "Files in each folder (work: claimed drops in .dropbridge/work).",
        "dropbridge_folder_oldest_age_seconds": "Age in seconds of the oldest file in each folder (0: empty).",
        "dropbridge_disk_free_bytes": "Free bytes on the filesystem of inbox/.",
        "dropbridge_alert": "1 while the named alert is raised (see /readyz for its reason), else 0.",
        "dropbridge_ready": "1 when /readyz answers 200, else 0.",
        "dropbridge_build_info": "Always 1; the version label says which dropbridge runs.",
    ]

    /// `exposition` with a `# HELP` line before each `# TYPE` line of a family that has help.
    package static func annotate(_ exposition: String) -> String {
        exposition.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            guard line.hasPrefix("# TYPE ") else { return String(line) }
            let name = String(line.dropFirst(7).prefix { $0 != " " })
            guard let help = text[name] else { return String(line) }
            return "# HELP \(name) \(escaped(help))\n\(line)"
        }.joined(separator: "\n")
    }

    /// The exposition format's escapes for HELP text: backslash and line feed.
    package static func escaped(_ help: String) -> String {
        help.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\n", with: "\\n")
    }
}
