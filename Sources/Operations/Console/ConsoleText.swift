import Bridge
import Ledger

/// Text for a terminal. Every name, reason and answer line a command prints goes through
/// `line`: control characters, line and paragraph separators and bidi overrides become visible
/// escapes (`LogEscaping`, the very helper the log uses), so a file name like "a\nb" or one
/// carrying an ANSI escape cannot forge a line or move the cursor. Only what is shown changes,
/// never a name on disk or in the ledger.
package enum ConsoleText {
    /// One line as shown (a line break inside it comes out as `\n`).
    package static func line(_ text: String) -> String { LogEscaping.escaped(text) }

    /// Lines made safe one by one, then joined: only the joins break lines.
    package static func lines(_ lines: [String]) -> String { lines.map(line).joined(separator: "\n") }

    /// The demo's line for a drop filed in `sent/` or `failed/`.
    package static func filed(_ drop: DropRecord) -> String {
        if drop.state == .accepted {
            let id = drop.channel == "altinn" ? "altinn, correspondence" : "messageId"
            return line("  \(drop.name)  →  sent/  and receipts/\(drop.name).sent.json  (\(id) \(drop.messageId ?? "?"))")
        }
        let failure = drop.failure
        let first = failure?.errors?.first.map { " — \($0)" } ?? ""
        return line("  \(drop.name)  →  failed/ [\(failure?.stage.rawValue ?? "?")] \(failure?.reason ?? "")\(first)")
    }
}
