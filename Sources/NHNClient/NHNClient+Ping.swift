import DropbridgeCore
import Foundation
import NIOHTTP1

extension NHNClient {
    /// `GET /ping`: a connectivity and credential check, `{response:"Pong", timestampUtc}`.
    package func ping() async -> PingOutcome {
        let call = NHNRequest(method: .GET, path: "/ping")
        switch await perform(call) {
        case .failure(let failure):
            return .failed(failure)
        case .success(let response) where response.isSuccess:
            let json = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body))
            return .pong(timestampUtc: json?["timestampUtc"]?.stringValue)
        case .success(let response):
            return .failed(CallFailure.classify(response, call: call.label))
        }
    }
}
