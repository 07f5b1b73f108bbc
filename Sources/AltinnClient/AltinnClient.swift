import AsyncHTTPClient
import Auth
import DropbridgeCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Altinn 3 Correspondence for a sender (docs/altinn-correspondence.md): the multipart
/// upload, the overview and the search by idempotent key. Every call carries the Altinn token
/// (renewed before its `exp`: the server allows no clock skew) and `Accept: application/json`;
/// a 401 renews the token and tries once more.
package struct AltinnClient: Sendable {
    package var baseURL: String
    package var httpClient: HTTPClient
    package var authorizer: any RequestAuthorizer
    package var requestTimeout: Duration
    /// The upload's deadline: a large attachment takes longer than a look-up.
    package var uploadTimeout: Duration
    package var logger: Logger
    /// Requests by call and status class, and whether Altinn took our token (`Monitoring`).
    package var metrics: any BridgeMetrics = NoMetrics()

    package init(
        baseURL: String, httpClient: HTTPClient, authorizer: any RequestAuthorizer, requestTimeout: Duration = .seconds(30),
        uploadTimeout: Duration = .seconds(300), logger: Logger = Logger(label: "dropbridge.altinn")
    ) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
        self.httpClient = httpClient
        self.authorizer = authorizer
        self.requestTimeout = requestTimeout
        self.uploadTimeout = uploadTimeout
        self.logger = logger
    }

    static let api = "/correspondence/api/v1/correspondence"

    /// The answer to one upload.
    package enum UploadOutcome: Sendable, Equatable {
        /// 200: the correspondence exists (queued, not yet published).
        case created(correspondenceId: String, status: String?)
        /// 409 with errorCode 1034: a correspondence with this key exists already.
        case duplicateKey
        case failed(AltinnFailure)
    }

    package func upload(_ upload: CorrespondenceUpload) async -> UploadOutcome {
        let form = upload.form()
        let result = await perform(
            method: .POST, path: Self.api + "/upload", query: "", timeout: uploadTimeout, label: "POST /correspondence/upload",
            body: { .stream(form.chunks(), length: .known(Int64(form.length))) }, contentType: form.contentType)
        switch result {
        case .failure(let failure): return .failed(failure)
        case .success(let response):
            if response.status == 409, ProblemDetails.errorCode(ProblemDetails.parse(response.body)) == 1034 { return .duplicateKey }
            guard response.isSuccess else {
                return .failed(AltinnFailure.classify(response, call: "POST /correspondence/upload"))
            }
            guard let created = Self.createdCorrespondence(response.body) else {
                // Altinn said yes without an id: the key finds it.
                return .duplicateKey
            }
            return .created(correspondenceId: created.id, status: created.status)
        }
    }

    /// `GET …/correspondence?resourceId=…&role=Sender&idempotentKey=…` → the ids (none or one).
    package func correspondenceIds(resourceId: String, idempotentKey: String) async -> Result<[String], AltinnFailure> {
        var query = URLComponents()
        query.queryItems = [
            URLQueryItem(name: "resourceId", value: resourceId), URLQueryItem(name: "role", value: "Sender"),
            URLQueryItem(name: "idempotentKey", value: idempotentKey),
        ]
        let label = "GET /correspondence?idempotentKey"
        switch await perform(method: .GET, path: Self.api, query: query.percentEncodedQuery ?? "", timeout: requestTimeout, label: label) {
        case .failure(let failure): return .failure(failure)
        case .success(let response):
            guard response.isSuccess else { return .failure(AltinnFailure.classify(response, call: label)) }
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)),
                case .array(let ids)? = object.first(where: { $0.key.lowercased() == "ids" })?.value
            else {
                return .failure(.transient(reason: "Altinn answered \(label) without a list of ids.", retryAfter: nil))
            }
            return .success(ids.compactMap(\.stringValue))
        }
    }

    /// The overview of one correspondence; `nil` when it is gone (404/1001: purged).
    package func overview(correspondenceId: String) async -> Result<CorrespondenceOverview?, AltinnFailure> {
        let label = "GET /correspondence/{id}"
        let id = correspondenceId.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-"])) ?? correspondenceId
        switch await perform(method: .GET, path: Self.api + "/" + id, query: "", timeout: requestTimeout, label: label) {
        case .failure(let failure): return .failure(failure)
        case .success(let response):
            if response.status == 404 { return .success(nil) }
            guard response.isSuccess else { return .failure(AltinnFailure.classify(response, call: label)) }
            guard let overview = CorrespondenceOverview.decode(response.body) else {
                return .failure(.transient(reason: "Altinn answered \(label) with an overview dropbridge cannot read.", retryAfter: nil))
            }
            return .success(overview)
        }
    }

    /// `GET …/correspondence/{id}/details`: the status history (heavy at Altinn: it asks
    /// Notifications live). Only for a confirmation the overview's status may hide.
    package func statusHistory(correspondenceId: String) async -> Result<[CorrespondenceOverview]?, AltinnFailure> {
        let label = "GET /correspondence/{id}/details"
        let id = correspondenceId.addingPercentEncoding(withAllowedCharacters: .alphanumerics.union(["-"])) ?? correspondenceId
        switch await perform(method: .GET, path: Self.api + "/" + id + "/details", query: "", timeout: requestTimeout, label: label) {
        case .failure(let failure): return .failure(failure)
        case .success(let response):
            if response.status == 404 { return .success(nil) }
            guard response.isSuccess else { return .failure(AltinnFailure.classify(response, call: label)) }
            guard case .object(let object)? = try? JSONDecoder().decode(JSONValue.self, from: Data(response.body)),
                case .array(let history)? = object.first(where: { $0.key.lowercased() == "statushistory" })?.value
            else {
                return .failure(.transient(reason: "Altinn answered \(label) without a status history.", retryAfter: nil))
            }
            // Each entry has the overview's status fields: decoded alike.
            return .success(history.compactMap { entry in
                (try? JSONEncoder().encode(entry)).flatMap { CorrespondenceOverview.decode(Array($0)) }
            })
        }
    }

    /// `{"correspondences": [{"correspondenceId", "status", …}], …}`
    static func createdCorrespondence(_ body: [UInt8]) -> (id: String, status: String?)? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)),
            case .object(let object) = json,
            case .array(let list)? = object.first(where: { $0.key.lowercased() == "correspondences" })?.value,
            case .object(let first)? = list.first
        else { return nil }
        var lowered: [String: JSONValue] = [:]
        for (key, value) in first { lowered[key.lowercased()] = value }
        guard let id = lowered["correspondenceid"]?.stringValue, !id.isEmpty else { return nil }
        return (id, lowered["status"]?.stringValue)
    }

    // MARK: One call

    private func perform(
        method: HTTPMethod, path: String, query: String, timeout: Duration, label: String,
        body: (@Sendable () -> HTTPClientRequest.Body)? = nil, contentType: String? = nil
    ) async -> Result<AltinnResponse, AltinnFailure> {
        var renewed = false
        while true {
            let url = baseURL + path
            var request = HTTPClientRequest(url: url + (query.isEmpty ? "" : "?" + query))
            request.method = method
            // Without it (or with problem+json alone) Altinn answers 406.
            request.headers.add(name: "Accept", value: "application/json")
            if let body {
                request.body = body()
                if let contentType { request.headers.add(name: "Content-Type", value: contentType) }
            }
            let started = ContinuousClock.now
            do {
                try await authorizer.authorize(&request, method: method.rawValue, url: url)
            } catch AuthorizationError.credentialsRefused(let reason) {
                // Not sent for want of a token: says nothing about Altinn's reachability.
                metrics.observe(.notSent(credentialsRefusal: reason), api: "altinn", service: "Altinn", call: label, label: label, seconds: 0)
                return .failure(.unauthorized(reason: "Credentials refused, \(label) not sent: \(reason)."))
            } catch {
                metrics.observe(.notSent(credentialsRefusal: nil), api: "altinn", service: "Altinn", call: label, label: label, seconds: 0)
                return .failure(.transient(reason: "Could not get an Altinn token for \(label): \(ProblemDetails.clip("\(error)", max: 300)).", retryAfter: nil))
            }
            let response: AltinnResponse
            do {
                let head = try await httpClient.execute(request, deadline: .now() + TimeAmount(timeout))
                let bytes = try await head.body.collect(upTo: 1 << 20)
                response = AltinnResponse(
                    status: Int(head.status.code), retryAfterHeader: head.headers.first(name: "Retry-After"),
                    body: Array(bytes.readableBytesView))
            } catch {
                metrics.observe(.noAnswer, api: "altinn", service: "Altinn", call: label, label: label, seconds: Self.seconds(since: started))
                let reason = "Altinn did not answer \(label) (\(TransportErrorText.describe(error))); \(Self.tryingAgain(label))."
                logger.warning("\(reason)", metadata: ["altinn.call": "\(label)"])
                return .failure(.transient(reason: reason, retryAfter: nil))
            }
            metrics.observe(
                .answered(status: response.status), api: "altinn", service: "Altinn", call: label, label: label,
                seconds: Self.seconds(since: started))
            logger.debug("Altinn answered", metadata: ["altinn.call": "\(label)", "altinn.status": "\(response.status)"])
            if response.status == 401, !renewed {
                renewed = true
                logger.info("Altinn rejected the token; renewing it and trying once more", metadata: ["altinn.call": "\(label)"])
                await authorizer.credentialsRejected(request, answer: [:])
                continue
            }
            return .success(response)
        }
    }
}

extension AltinnClient {
    /// Only an upload has a key to send again; a look-up is simply asked again.
    static func tryingAgain(_ call: String) -> String {
        call.hasPrefix("POST") ? "trying again with the same key" : "trying again"
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let parts = (ContinuousClock.now - start).components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}

extension TimeAmount {
    init(_ duration: Duration) {
        let parts = duration.components
        self = .nanoseconds(parts.seconds * 1_000_000_000 + parts.attoseconds / 1_000_000_000)
    }
}
