/// Which problems are active, so each is logged once when it starts and once when it ends
/// (not on every sample). A plain value: `update` says what to log.
public struct AlertLog: Sendable, Equatable {
    public private(set) var active: [String: HealthProblem] = [:]

    public enum Action: Sendable, Equatable {
        case raised(HealthProblem)
        case cleared(HealthProblem)
    }

    public init() {}

    /// Takes the problems of a new sample; answers the starts and the ends, in a stable order.
    public mutating func update(_ problems: [HealthProblem]) -> [Action] {
        var now: [String: HealthProblem] = [:]
        for problem in problems where now[problem.code] == nil { now[problem.code] = problem }
        let cleared = active.keys.filter { now[$0] == nil }.sorted().compactMap { active[$0] }.map(Action.cleared)
        let raised = problems.filter { active[$0.code] == nil && now[$0.code] == $0 }.map(Action.raised)
        active = now
        return cleared + raised
    }
}
