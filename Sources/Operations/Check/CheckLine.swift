/// One line of `dropbridge check`, like `nginx -t`: what was checked and what was found.
public struct CheckLine: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Equatable, Codable {
        case ok
        case fail
        /// Not applicable with this configuration (e.g. Altinn disabled); never a failure.
        case skip
    }

    public var check: String
    public var outcome: Outcome
    public var detail: String

    public init(_ check: String, _ outcome: Outcome, _ detail: String) {
        self.check = check
        self.outcome = outcome
        self.detail = detail
    }

    public static func ok(_ check: String, _ detail: String) -> CheckLine { CheckLine(check, .ok, detail) }
    public static func fail(_ check: String, _ detail: String) -> CheckLine { CheckLine(check, .fail, detail) }
    public static func skip(_ check: String, _ detail: String) -> CheckLine { CheckLine(check, .skip, detail) }

    /// `ok    folders: …` / `FAIL  lock: …`.
    public var text: String {
        let label = switch outcome {
        case .ok: "ok  "
        case .fail: "FAIL"
        case .skip: "skip"
        }
        return "\(label)  \(check): \(detail)"
    }
}
