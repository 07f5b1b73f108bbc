import Foundation
import Hummingbird

/// The JSON bodies of the `/_sim/` inspection routes (NHN's and Altinn's): one reading, one
/// refusal shape.
enum InspectionJSON {
    static func decode<Value: Decodable>(_ request: Request, what: String, limit: Int = 1_000_000) async throws -> Value {
        try RequestBodyReader.requireJSON(request)
        let body = try await RequestBodyReader.collect(request, limit: limit)
        do {
            return try JSONDecoder().decode(Value.self, from: Data(body))
        } catch {
            throw NHNProblem.validation("The \(what) are not valid JSON.", errors: ["$: \(error)"])
        }
    }

    /// `PUT …/faults`: the settings, refused whole when any is out of range.
    static func faults(_ request: Request) async throws -> FaultSettings {
        let faults: FaultSettings = try await decode(request, what: "fault settings")
        let problems = faults.problems
        guard problems.isEmpty else { throw NHNProblem.validation("Invalid fault settings.", errors: problems) }
        return faults
    }
}
