import NIOCore
import NIOHTTP1

extension NHNClient {
    /// `POST /messages`. Never throws: every answer is classified. A 401 is retried once with a
    /// renewed credential (NHN did not process the request, so that retry cannot duplicate).
    package func sendMessage(_ message: OutgoingMessage) async -> SendOutcome {
        let body = MessageBodyEncoder.body(
            message, applicationName: endpoint.applicationName, applicationVersion: endpoint.applicationVersion)
        let call = NHNRequest(method: .POST, path: "/messages", streamedBody: body)
        switch await perform(call) {
        case .failure(let failure):
            return SendOutcome(failure)
        case .success(let response):
            let outcome = SendOutcome.classify(response)
            if case .accepted(let id) = outcome {
                logger.info("NHN accepted a message", metadata: ["nhn.messageId": "\(id)"])
            }
            return outcome
        }
    }
}
