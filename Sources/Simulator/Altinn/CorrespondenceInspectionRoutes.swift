#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// `/_sim/altinn/`: what the simulated Correspondence service received, its faults, and the
/// recipient's actions (read, confirm) for correspondences that do not read themselves.
struct CorrespondenceInspectionRoutes: Sendable {
    let state: CorrespondenceState

    /// How often each idempotent key and each recipient arrived.
    struct Counts: Codable, Sendable, Equatable {
        var total: Int
        var byIdempotentKey: [String: Int]
        var byRecipient: [String: Int]
        /// Business refusals of create requests by errorCode (as a string key, for JSON).
        var refusals: [String: Int] = [:]
    }

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get("altinn/correspondences") { request, _ in
            let key = request.uri.queryParameters.get("idempotentKey")?.lowercased()
            let recipient = request.uri.queryParameters.get("recipient")?.lowercased()
            let received = await state.received().filter {
                (key == nil || $0.idempotentKey == key) && (recipient == nil || $0.recipient == recipient)
            }
            return JSONResponse.make(status: .ok, received)
        }
        group.get("altinn/counts") { _, _ in
            var counts = Self.counts(await state.received())
            counts.refusals = Dictionary(uniqueKeysWithValues: await state.refusals.map { (String($0.key), $0.value) })
            return JSONResponse.make(status: .ok, counts)
        }
        group.get("altinn/faults") { _, _ in
            JSONResponse.make(status: .ok, await state.faults)
        }
        group.put("altinn/faults") { request, _ in
            let faults = try await InspectionJSON.faults(request)
            await state.setFaults(faults)
            return JSONResponse.make(status: .ok, faults)
        }
        group.get("altinn/settings") { _, _ in
            JSONResponse.make(status: .ok, await state.settings)
        }
        group.put("altinn/settings") { request, _ in
            let change: CorrespondenceSettingsChange = try await InspectionJSON.decode(request, what: "Altinn settings")
            let settings = change.applied(to: await state.settings)
            let problems = settings.problems
            guard problems.isEmpty else { throw NHNProblem.validation("Invalid Altinn settings.", errors: problems) }
            await state.setSettings(settings)
            return JSONResponse.make(status: .ok, settings)
        }
        group.post("altinn/correspondences/:id/read") { _, context in
            try await act(context) { try await state.markRead($0) }
        }
        group.post("altinn/correspondences/:id/confirm") { _, context in
            try await act(context) { try await state.markConfirmed($0) }
        }
    }

    static func counts(_ received: [ReceivedCorrespondence]) -> Counts {
        var counts = Counts(total: received.count, byIdempotentKey: [:], byRecipient: [:])
        for correspondence in received {
            if let key = correspondence.idempotentKey { counts.byIdempotentKey[key, default: 0] += 1 }
            counts.byRecipient[correspondence.recipient, default: 0] += 1
        }
        return counts
    }

    private func act(
        _ context: SimulatorRequestContext, _ action: (UUID) async throws -> Bool
    ) async throws -> Response {
        guard let id = context.parameters.get("id").flatMap(UUID.init(uuidString:)) else {
            throw NHNProblem.notFound("No correspondence has that id.")
        }
        do {
            guard try await action(id) else { throw NHNProblem.notFound("No correspondence has that id.") }
        } catch let refusal as CorrespondenceTimeline.RecipientActionRefusal {
            throw NHNProblem(status: .conflict, errorCode: .unspecified, detail: "The recipient cannot do that now: \(refusal).")
        }
        return Response(status: .noContent)
    }
}
