/// One line of `dropbridge check`, like `nginx -t`: what was checked and what was found.
package struct CheckLine: Sendable, Equatable, Codable {
    package enum Outcome: String, Sendable, Equatable, Codable {
        case ok
        case fail
        /// Not applicable with this configuration (e.g. Altinn disabled); never a failure.
        case skip
    }

    package var check: String
    package var outcome: Outcome
    package var detail: String

    package init(_ check: String, _ outcome: Outcome, _ detail: String) {
        self.check = check
        self.outcome = outcome
        self.detail = detail
    }

    package static func ok(_ check: String, _ detail: String) -> CheckLine { CheckLine(check, .ok, detail) }
    package static func fail(_ check: String, _ detail: String) -> CheckLine { CheckLine(check, .fail, detail) }
    package static func skip(_ check: String, _ detail: String) -> CheckLine { CheckLine(check, .skip, detail) }

    /// `ok    folders: …` / `FAIL  lock: …`.
    package var text: String {
        let label = switch outcome {
        case .ok: "ok  "
        case .fail: "FAIL"
        case .skip: "skip"
        }
        return "\(label)  \(check): \(detail)"
    }
}
