import Hummingbird

/// Injects the configured faults in front of the NHN routes: latency first, then either a
/// dropped connection, an error status, or normal processing.
struct FaultInjectionMiddleware: RouterMiddleware {
    typealias Context = SimulatorRequestContext
    let state: SimulatorState

    func handle(
        _ request: Request, context: Context,
        next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let latency = await state.faults.latencyMilliseconds
        if latency > 0 {
            try await Task.sleep(for: .milliseconds(latency))
        }
        switch await state.decideFault() {
        case .proceed:
            return try await next(request, context)
        case .reset:
            context.logger.debug("Fault: dropping the connection before processing")
            throw await ConnectionDropper.drop(context.channel)
        case .status(let code, let retryAfterSeconds):
            let status = HTTPResponse.Status.standard(code)
            var problem = NHNProblem(
                status: status, errorCode: NHNErrorCode.typical(for: code),
                detail: "Simulated fault: \(status.reasonPhrase).",
                validationErrors: code == 400 ? [] : nil)
            if let retryAfterSeconds {
                problem.headers[.retryAfter] = String(retryAfterSeconds)
            }
            throw problem
        }
    }
}
