#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// `/_sim/`: lets tests and operators see what the simulator received and steer its faults.
/// No NHN headers and no fault injection here.
struct InspectionRoutes: Sendable {
    let state: SimulatorState

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get("messages") { request, _ in
            let msgId = request.uri.queryParameters.get("msgId")
            return JSONResponse.make(status: .ok, await state.receivedMessages(msgId: msgId))
        }
        group.get("counts") { _, _ in
            JSONResponse.make(status: .ok, await state.countsByMsgId())
        }
        group.get("faults") { _, _ in
            JSONResponse.make(status: .ok, await state.faults)
        }
        group.put("faults") { request, _ in
            try RequestBodyReader.requireJSON(request)
            let body = try await RequestBodyReader.collect(request, limit: 1_000_000)
            let faults: FaultSettings
            do {
                faults = try JSONDecoder().decode(FaultSettings.self, from: Data(body))
            } catch {
                throw NHNProblem.validation("The fault settings are not valid JSON.", errors: ["$: \(error)"])
            }
            let problems = faults.problems
            guard problems.isEmpty else { throw NHNProblem.validation("Invalid fault settings.", errors: problems) }
            await state.setFaults(faults)
            return JSONResponse.make(status: .ok, faults)
        }
        group.post("reset") { _, _ in
            await state.reset()
            return Response(status: .noContent)
        }
    }
}
