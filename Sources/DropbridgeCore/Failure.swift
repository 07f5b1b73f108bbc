/// Where in the pipeline a drop was refused. The raw values are part of the file contract
/// (`failed/NAME.error.json`, key `stage`).
public enum FailureStage: String, Codable, Sendable, CaseIterable {
    case pairing
    case reading
    case validation
    case sending
}

/// One located problem, e.g. a libxml2 diagnostic. Line and column are 1-based when known.
public struct LineError: Codable, Sendable, Equatable, CustomStringConvertible {
    public var line: Int?
    public var column: Int?
    public var message: String

    public init(line: Int? = nil, column: Int? = nil, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `LINE:COL: message`, the form `dropbridge validate` prints after the file name.
    public var description: String {
        switch (line, column) {
        case let (l?, c?): "\(l):\(c): \(message)"
        case let (l?, nil): "\(l): \(message)"
        default: message
        }
    }
}

/// A permanent refusal of a drop: it goes to `failed/` with this explanation.
/// Transient trouble is never a `DropFailure`.
public struct DropFailure: Error, Sendable, Equatable {
    public var stage: FailureStage
    /// One sentence an operator understands.
    public var reason: String
    public var errors: [LineError]
    public var httpStatus: Int?
    public var problem: JSONValue?

    public init(
        stage: FailureStage, reason: String, errors: [LineError] = [],
        httpStatus: Int? = nil, problem: JSONValue? = nil
    ) {
        self.stage = stage
        self.reason = reason
        self.errors = errors
        self.httpStatus = httpStatus
        self.problem = problem
    }
}
