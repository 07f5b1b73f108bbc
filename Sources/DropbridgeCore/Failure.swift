/// Where in the pipeline a drop was refused. The raw values are part of the file contract
/// (`failed/NAME.error.json`, key `stage`).
package enum FailureStage: String, Codable, Sendable, CaseIterable {
    case pairing
    case reading
    case validation
    case sending
}

/// One located problem, e.g. a libxml2 diagnostic. Line and column are 1-based when known.
package struct LineError: Codable, Sendable, Equatable, CustomStringConvertible {
    package var line: Int?
    package var column: Int?
    package var message: String

    package init(line: Int? = nil, column: Int? = nil, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// `LINE:COL: message`, the form `dropbridge validate` prints after the file name.
    package var description: String {
        switch (line, column) {
        case let (l?, c?): "\(l):\(c): \(message)"
        case let (l?, nil): "\(l): \(message)"
        default: message
        }
    }
}

/// A permanent refusal of a drop: it goes to `failed/` with this explanation.
/// Transient trouble is never a `DropFailure`.
package struct DropFailure: Error, Sendable, Equatable {
    package var stage: FailureStage
    /// One sentence an operator understands.
    package var reason: String
    package var errors: [LineError]
    package var httpStatus: Int?
    package var problem: JSONValue?

    package init(
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
