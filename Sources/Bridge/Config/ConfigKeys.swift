import Foundation
import Yams

/// The contract's configuration keys (docs/contract.md §3, plus our extensions). swift-configuration
/// only answers for keys it is asked about, so a misspelt key would silently fall back to its
/// default; the file's keys are listed here and anything unknown is refused.
enum ConfigKeys {
    static let sections: Set<String> = ["folders", "outbox", "schemas", "nhn", "helseid", "altinn", "altinn.maskinporten", "metrics", "memory", "alerts", "ledger"]

    static let leaves: Set<String> = [
        "root", "fileMode", "folderMode",
        "folders.outbox", "folders.inbox", "folders.receipts", "folders.sent", "folders.failed",
        "outbox.sidecar", "outbox.settleMilliseconds", "outbox.orphanSeconds", "outbox.rescanSeconds",
        "outbox.inotify", "outbox.maxBytes",
        "schemas.directory", "schemas.require",
        "nhn.enabled", "nhn.baseURL", "nhn.sourceSystem", "nhn.applicationName", "nhn.applicationVersion",
        "nhn.senderHerId", "nhn.herIds", "nhn.receive", "nhn.pollSeconds", "nhn.autoAppRec",
        "nhn.requestTimeoutSeconds", "nhn.maxBackoffSeconds", "nhn.streamIdleSeconds", "nhn.uncertainSeconds",
        "helseid.enabled", "helseid.tokenEndpoint", "helseid.issuer", "helseid.clientId",
        "helseid.privateKeyFile", "helseid.keyId", "helseid.scope",
        "altinn.enabled", "altinn.baseURL", "altinn.resourceId", "altinn.maxPollSeconds", "altinn.parallelUploads",
        "altinn.maskinporten.tokenEndpoint", "altinn.maskinporten.audience", "altinn.maskinporten.clientId",
        "altinn.maskinporten.privateKeyFile", "altinn.maskinporten.keyId", "altinn.maskinporten.scope",
        "metrics.listen",
        "memory.inFlightBytes",
        "alerts.stuckSeconds", "alerts.inboxSeconds", "alerts.silentStreamSeconds", "alerts.unreachableSeconds",
        "alerts.minFreeBytes",
        "ledger.keepDays",
    ]

    /// The dotted keys in `text` (YAML, or JSON, which is YAML too) that the contract does not know.
    static func unknown(inYAML text: String) -> [String] {
        guard let node = try? Yams.compose(yaml: text) else { return [] }  // a syntax error is reported by the loader
        var found: [String] = []
        walk(node, prefix: "", into: &found)
        return found
    }

    private static func walk(_ node: Node, prefix: String, into found: inout [String]) {
        guard let mapping = node.mapping else { return }
        for (keyNode, value) in mapping {
            let key = prefix + (keyNode.string ?? "?")
            if sections.contains(key) {
                walk(value, prefix: key + ".", into: &found)
            } else if !leaves.contains(key) {
                found.append(key)
            }
        }
    }
}
