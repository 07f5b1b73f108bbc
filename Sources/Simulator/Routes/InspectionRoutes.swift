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
    let inspector: any DocumentInspecting
    /// What else `POST /_sim/reset` forgets (the Altinn side).
    var resetOthers: @Sendable () async -> Void = {}

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
            let faults = try await InspectionJSON.faults(request)
            await state.setFaults(faults)
            return JSONResponse.make(status: .ok, faults)
        }
        group.post("inject") { request, _ in
            let injection: InjectRequest = try await decode(request, what: "injection")
            let message = try injection.stored(using: inspector)
            await state.deliver(message)
            return JSONResponse.make(status: .created, ["id": message.id])
        }
        group.get("downloaded") { _, _ in
            JSONResponse.make(status: .ok, await state.downloadedMarks())
        }
        group.get("apprecs") { _, _ in
            JSONResponse.make(status: .ok, await state.receivedAppRecs())
        }
        group.get("notifications") { _, _ in
            JSONResponse.make(status: .ok, await state.allNotifications())
        }
        group.get("stream") { _, _ in
            JSONResponse.make(status: .ok, await state.streamSettings)
        }
        group.put("stream") { request, _ in
            let settings: StreamSettings = try await decode(request, what: "stream settings")
            let problems = settings.problems
            guard problems.isEmpty else { throw NHNProblem.validation("Invalid stream settings.", errors: problems) }
            await state.setStreamSettings(settings)
            return JSONResponse.make(status: .ok, settings)
        }
        group.post("reset") { _, _ in
            await state.reset()
            await resetOthers()
            return Response(status: .noContent)
        }
    }

    private func decode<Value: Decodable>(_ request: Request, what: String) async throws -> Value {
        try await InspectionJSON.decode(request, what: what, limit: state.settings.maxRequestBytes)
    }
}
