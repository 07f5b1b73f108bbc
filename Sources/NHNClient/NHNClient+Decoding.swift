import Foundation

extension NHNClient {
    /// Performs a call whose 2xx answer is JSON and decodes it. A 2xx answer that is cut off or
    /// cannot be read is a transient failure: NHN did answer, so something is off that a later
    /// try (or an operator) may fix, and nothing is lost by asking again.
    func performDecoding<Answer: Decodable>(_ call: NHNRequest, as type: Answer.Type) async
        -> Result<Answer, CallFailure>
    {
        switch await perform(call) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let response) where !response.isSuccess:
            return .failure(CallFailure.classify(response, call: call.label))
        case .success(let response):
            return Self.decode(response, of: call, as: type)
        }
    }

    /// A 2xx answer's JSON body decoded; cut off or unreadable is a transient failure.
    static func decode<Answer: Decodable>(_ response: NHNResponse, of call: NHNRequest, as type: Answer.Type) -> Result<Answer, CallFailure> {
        if response.bodyTruncated {
            return .failure(unreadable(call, response, "it was longer than the \(call.responseLimit)-byte limit"))
        }
        do {
            return .success(try JSONDecoder().decode(Answer.self, from: Data(response.body)))
        } catch {
            // The decoding error names fields, never values: safe to log.
            return .failure(unreadable(call, response, ProblemSummary.clip("\(error)", max: 200)))
        }
    }

    static func unreadable(_ call: NHNRequest, _ response: NHNResponse, _ why: String) -> CallFailure {
        .transient(
            reason: "NHN answered \(call.label) with HTTP \(response.status) but the answer could not be read: \(why).",
            retryAfter: nil, requestMayHaveArrived: true)
    }
}
