import Hummingbird

/// Where a fault injector gets its settings and decisions: the NHN routes and the Altinn
/// routes each have their own, so faulting one service leaves the other alone.
protocol FaultSource: Sendable {
    var faults: FaultSettings { get async }
    func decideFault() async -> FaultDecision
}

extension SimulatorState: FaultSource {}
extension CorrespondenceState: FaultSource {}

/// Injects the configured faults in front of a service's routes: latency first, then either a
/// dropped connection, an error status, or normal processing. `problem` makes the error in
/// the service's own dialect.
struct FaultInjectionMiddleware<Source: FaultSource>: RouterMiddleware {
    typealias Context = SimulatorRequestContext
    let source: Source
    let problem: @Sendable (_ status: HTTPResponse.Status, _ retryAfterSeconds: Int?) -> any Error

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let latency = await source.faults.latencyMilliseconds
        if latency > 0 {
            try await Task.sleep(for: .milliseconds(latency))
        }
        switch await source.decideFault() {
        case .proceed:
            return try await next(request, context)
        case .reset:
            context.logger.debug("Fault: dropping the connection before processing")
            throw await ConnectionDropper.drop(context.channel)
        case .status(let code, let retryAfterSeconds):
            throw problem(HTTPResponse.Status.standard(code), retryAfterSeconds)
        }
    }
}

extension FaultInjectionMiddleware where Source == SimulatorState {
    /// NHN's faults: ProblemDetails with the error code NHN pairs with the status.
    init(state: SimulatorState) {
        self.init(source: state) { status, retryAfterSeconds in
            var problem = NHNProblem(
                status: status, errorCode: NHNErrorCode.typical(for: status.code),
                detail: "Simulated fault: \(status.reasonPhrase).",
                validationErrors: status.code == 400 ? [] : nil)
            if let retryAfterSeconds {
                problem.headers[.retryAfter] = String(retryAfterSeconds)
            }
            return problem
        }
    }
}
