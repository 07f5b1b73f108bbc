import AsyncHTTPClient
import Auth
import DropbridgeCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

extension NHNClient {
    /// Sends one call: common headers, authorization, a per-request deadline, and exactly one
    /// retry after a 401 (with the authorizer told to drop its credential first). The second
    /// answer is returned whatever it is; transport failures come back classified.
    func perform(_ call: NHNRequest) async -> Result<NHNResponse, CallFailure> {
        let (request, first) = await attempt(call)
        guard case .success(let response) = first, response.status == 401, let request else { return first }
        await renewCredentials(after: call, rejected: request, answer: response.headers)
        return await attempt(call).result
    }

    /// Like `perform(_:)`, but a 2xx answer is handed back with its body unread, for long-lived
    /// responses (the notification stream). Only the response head has a deadline; a non-2xx
    /// answer is read (bounded, with a deadline) and classified as usual.
    func performStreaming(_ call: NHNRequest) async -> Result<HTTPClientResponse, CallFailure> {
        var head: HTTPClientResponse
        var started = ContinuousClock.now
        let (request, first) = await sendHead(call)
        observe(call, sent: request != nil, status: (try? first.get()).map { Int($0.status.code) }, failure: first.failureValue, since: started)
        switch first {
        case .failure(let failure): return .failure(failure)
        case .success(let response): head = response
        }
        if head.status.code == 401, let request {
            _ = await readBody(of: head, call: call)  // drained so the connection can be reused
            await renewCredentials(after: call, rejected: request, answer: head.headers)
            started = ContinuousClock.now
            let (again, second) = await sendHead(call)
            observe(call, sent: again != nil, status: (try? second.get()).map { Int($0.status.code) }, failure: second.failureValue, since: started)
            switch second {
            case .failure(let failure): return .failure(failure)
            case .success(let second): head = second
            }
        }
        if (200..<300).contains(Int(head.status.code)) { return .success(head) }
        switch await readBody(of: head, call: call) {
        case .failure(let failure): return .failure(failure)
        case .success(let response): return .failure(CallFailure.classify(response, call: call.label))
        }
    }

    private func renewCredentials(after call: NHNRequest, rejected request: HTTPClientRequest, answer: HTTPHeaders) async {
        logger.info(
            "NHN rejected the credentials; renewing them and retrying once",
            metadata: ["nhn.call": "\(call.label)"])
        await authorizer.credentialsRejected(request, answer: answer)
    }

    /// One exchange, and the request as sent (nil when it never was).
    private func attempt(_ call: NHNRequest) async -> (request: HTTPClientRequest?, result: Result<NHNResponse, CallFailure>) {
        // One deadline for the whole exchange, head and body.
        let started = ContinuousClock.now
        var deadline = started + endpoint.requestTimeout
        let (request, head) = await sendHead(call)
        let result: Result<NHNResponse, CallFailure>
        switch head {
        case .failure(let failure): result = .failure(failure)
        case .success(let head):
            var givenUp: (any Error)?
            if let admit = call.admitBody, (200..<300).contains(Int(head.status.code)) {
                do {
                    try await admit(head.headers.first(name: "Content-Length").flatMap { Int($0) })
                    // The wait for admission is not the server's time.
                    deadline = max(deadline, ContinuousClock.now + endpoint.requestTimeout)
                } catch {
                    givenUp = error
                }
            }
            if let givenUp {
                // Given up before the body was read (cancelled while waiting for memory).
                result = .failure(
                    .transient(
                        reason: "\(call.label): the answer was given up before its body was read: \(givenUp).",
                        retryAfter: nil, requestMayHaveArrived: true))
            } else {
                result = await readBody(of: head, call: call, until: deadline)
            }
        }
        observe(call, sent: request != nil, status: (try? result.get())?.status, failure: result.failureValue, since: started)
        return (request, result)
    }

    /// Tells the metrics how one exchange went (the 401 retry is a second exchange).
    private func observe(_ call: NHNRequest, sent: Bool, status: Int?, failure: CallFailure?, since started: ContinuousClock.Instant) {
        let observation: RequestObservation
        if let status {
            observation = .answered(status: status)
        } else if !sent {
            if case .unauthorized(_, let reason) = failure {
                observation = .notSent(credentialsRefusal: reason)
            } else {
                observation = .notSent(credentialsRefusal: nil)
            }
        } else {
            observation = .noAnswer
        }
        metrics.observe(
            observation, api: "nhn", service: "NHN", call: call.route, label: call.label, seconds: (ContinuousClock.now - started).seconds)
    }

    /// Builds, authorizes and sends the request; returns once the response head is in (or the
    /// request deadline passed), with the request as sent (nil when it could not be authorized).
    private func sendHead(_ call: NHNRequest) async -> (request: HTTPClientRequest?, result: Result<HTTPClientResponse, CallFailure>) {
        let url = endpoint.url(path: call.path)
        var request = HTTPClientRequest(url: url + call.queryString)
        request.method = call.method
        request.headers.add(name: "api-version", value: "3")
        request.headers.add(name: "nhn-source-system", value: endpoint.sourceSystem)
        request.headers.add(name: "Accept", value: call.accept)
        if let body = call.body {
            request.headers.add(name: "Content-Type", value: "application/json")
            // The buffer is shared, not copied, so the 401 retry costs no memory.
            request.body = .bytes(body)
        } else if let streamed = call.streamedBody {
            request.headers.add(name: "Content-Type", value: "application/json")
            // A fresh pass for each exchange: the 401 retry reads the document again.
            request.body = streamed.requestBody
        }
        do {
            // The DPoP proof's `htu` is the URL without the query string.
            try await authorizer.authorize(&request, method: call.method.rawValue, url: url)
        } catch AuthorizationError.credentialsRefused(let reason) {
            // Nothing was sent, and no retry helps until an operator fixes the credentials.
            return (nil, .failure(.unauthorized(problem: nil, reason: "Credentials refused, \(call.label) not sent: \(reason).")))
        } catch {
            return (
                nil,
                .failure(
                    .transient(
                        reason: "Could not authorize \(call.label) to NHN: \(ProblemSummary.clip("\(error)", max: 300)).",
                        retryAfter: nil, requestMayHaveArrived: false))
            )
        }
        do {
            let head = try await httpClient.execute(request, deadline: NIODeadline.now() + TimeAmount(endpoint.requestTimeout))
            // Any answer may carry the server's next DPoP nonce (RFC 9449 §9).
            await authorizer.answered(head.headers)
            return (request, .success(head))
        } catch {
            let failure = TransportErrorClassifier.classify(error, call: call.label)
            logger.warning("\(failure.reason)", metadata: ["nhn.call": "\(call.label)"])
            return (request, .failure(failure))
        }
    }

    /// Reads the body (at most `call.responseLimit` bytes) by `deadline` (default: one request
    /// timeout from now). The HTTP client's own deadline ends once the response head is in, so
    /// the body read needs its own.
    private func readBody(
        of head: HTTPClientResponse, call: NHNRequest, until deadline: ContinuousClock.Instant? = nil
    ) async -> Result<NHNResponse, CallFailure> {
        let deadline = deadline ?? ContinuousClock.now + endpoint.requestTimeout
        do {
            let stream = head.body
            let limit = call.responseLimit
            let announced = head.headers.first(name: "Content-Length").flatMap { Int($0) }
            let (body, truncated) = try await TimeLimit.run(until: deadline) {
                try await Self.readBounded(stream, limit: limit, announced: announced)
            }
            let response = NHNResponse(
                status: Int(head.status.code), headers: head.headers, body: body, bodyTruncated: truncated)
            logger.debug(
                "NHN answered",
                metadata: [
                    "nhn.call": "\(call.label)", "nhn.status": "\(response.status)",
                    "nhn.requestId": "\(ProblemSummary.requestId(in: response) ?? "-")",
                ])
            return .success(response)
        } catch {
            // The status line arrived, so the request certainly did.
            return .failure(
                .transient(
                    reason: "NHN answered \(call.label) with HTTP \(head.status.code) but the answer broke off: \(error).",
                    retryAfter: nil, requestMayHaveArrived: true))
        }
    }

    /// Collects at most `limit` bytes and stops reading past that (the connection is then
    /// dropped by the HTTP client), so a hostile or broken server cannot fill memory. With the
    /// length announced, the buffer is that size from the start: growing it by doubling would
    /// hold the old and the new buffer at once (up to three times the body) at each step.
    static func readBounded(_ body: HTTPClientResponse.Body, limit: Int, announced: Int? = nil) async throws -> ([UInt8], Bool) {
        var collected: [UInt8] = []
        if let announced, announced > 0 { collected.reserveCapacity(min(announced, limit)) }
        for try await chunk in body {
            let room = limit - collected.count
            if chunk.readableBytes > room {
                collected.append(contentsOf: chunk.readableBytesView.prefix(room))
                return (collected, true)
            }
            collected.append(contentsOf: chunk.readableBytesView)
        }
        return (collected, false)
    }
}

extension Result {
    var failureValue: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
