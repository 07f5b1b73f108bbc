import Foundation
import NIOCore
import NIOHTTP1

extension NHNClient {
    /// The most of a business-document answer kept in memory: a 35 MB document as base64 plus
    /// room for the JSON around it (NHN's own limit on a message is 35 MB).
    package static let maxBusinessDocumentAnswerBytes = Base64Writer.encodedLength(of: 35 << 20) + (1 << 20)

    /// `GET /messages/{id}`: who sent what to whom.
    package func message(id: String) async -> Result<NHNMessageMetadata, CallFailure> {
        await performDecoding(NHNRequest(method: .GET, path: NHNRequest.messagePath(id)), as: NHNMessageMetadata.self)
    }

    /// `GET /messages/{id}/business-document`: the XML exactly as sent (a MsgHead, or a
    /// standalone AppRec), base64-decoded. `beforeBody` learns the answer's length before its
    /// body is read (to reserve memory for it).
    package func businessDocument(id: String, beforeBody: BodyAdmission? = nil) async -> Result<[UInt8], CallFailure> {
        var call = NHNRequest(method: .GET, path: NHNRequest.messagePath(id, "/business-document"))
        call.responseLimit = Self.maxBusinessDocumentAnswerBytes
        call.admitBody = beforeBody
        let response: NHNResponse
        switch await perform(call) {
        case .failure(let failure): return .failure(failure)
        case .success(let answer) where !answer.isSuccess: return .failure(CallFailure.classify(answer, call: call.label))
        case .success(let answer): response = answer
        }
        return Self.document(in: response, of: call)
    }

    /// The document of a 2xx answer to `GET …/business-document`.
    static func document(in response: NHNResponse, of call: NHNRequest) -> Result<[UInt8], CallFailure> {
        // Read from the body's bytes: its peak is the body and the decoded document, not also
        // a `Data` of the body, the JSON decoder's `String` of the base64 and the decoded bytes.
        let scanned = response.bodyTruncated ? nil : BusinessDocumentScan.read(response.body)
        let answer: BusinessDocumentScan.Answer
        if let scanned {
            answer = scanned
        } else {
            // Not the JSON object NHN sends: `JSONDecoder` says what is wrong with it.
            switch Self.decode(response, of: call, as: BusinessDocumentAnswer.self) {
            case .failure(let failure): return .failure(failure)
            case .success(let decoded):
                answer = BusinessDocumentScan.Answer(
                    document: Base64Reader.decode(decoded.businessDocument), contentTransferEncoding: decoded.contentTransferEncoding)
            }
        }
        if let encoding = answer.contentTransferEncoding, encoding.lowercased() != "base64" {
            return .failure(Self.unreadableDocument(call, "its transfer encoding is \(ProblemSummary.clip(encoding, max: 40)), not base64"))
        }
        // Strict base64; line breaks (MIME style) are tolerated, anything else is refused.
        guard let document = answer.document else {
            return .failure(Self.unreadableDocument(call, "the document is not valid base64"))
        }
        return .success(document)
    }

    /// `GET /messages/{id}/status`: transport and AppRec state per receiver.
    package func status(id: String) async -> Result<[NHNReceiverStatus], CallFailure> {
        let call = NHNRequest(method: .GET, path: NHNRequest.messagePath(id, "/status"))
        return await performDecoding(call, as: StatusAnswer.self).map(\.statusList)
    }

    /// `PUT /messages/{id}/downloaded` with `{"receiverHerId":…}`: records the download only
    /// (the AppRec says whether the content was accepted).
    package func markDownloaded(id: String, receiverHerId: Int) async -> CallOutcome {
        var body = JSONObjectWriter()
        body.field("receiverHerId", receiverHerId)
        let call = NHNRequest(
            method: .PUT, path: NHNRequest.messagePath(id, "/downloaded"), body: ByteBuffer(bytes: body.closed()))
        switch await perform(call) {
        case .failure(let failure): return .failed(failure)
        case .success(let response) where response.isSuccess: return .succeeded
        case .success(let response): return .failed(CallFailure.classify(response, call: call.label))
        }
    }

    /// `POST /messages/{originalId}/apprec`: NHN builds and sends an AppRec answering the
    /// received message `originalId`. 202 `{id}` is the AppRec's own shipment id.
    package func sendAppRec(originalId: String, _ request: AppRecRequest) async -> SendOutcome {
        var request = request
        request.applicationName = endpoint.applicationName
        request.applicationVersion = endpoint.applicationVersion
        let path = NHNRequest.messagePath(originalId, "/apprec")
        guard let body = try? JSONEncoder().encode(request) else {
            // Cannot happen for these field types; never crash on it.
            return .refused(httpStatus: 0, problem: nil, reason: "Could not encode the AppRec request body.")
        }
        let call = NHNRequest(method: .POST, path: path, body: ByteBuffer(bytes: body))
        switch await perform(call) {
        case .failure(let failure): return SendOutcome(failure)
        case .success(let response): return SendOutcome.classify(response, call: call.label)
        }
    }

    /// Permanent: NHN answered, and asking again brings the same unreadable document.
    private static func unreadableDocument(_ call: NHNRequest, _ why: String) -> CallFailure {
        .refused(httpStatus: 200, problem: nil, reason: "NHN answered \(call.label) but the document could not be read: \(why).")
    }
}

/// `{ "businessDocument": "<base64>", "contentType": …, "contentTransferEncoding": "base64" }`
struct BusinessDocumentAnswer: Decodable {
    var businessDocument: String
    var contentType: String?
    var contentTransferEncoding: String?
}

/// `{ "statusList": [ … ] }`; a missing list reads as empty.
struct StatusAnswer: Decodable {
    var statusList: [NHNReceiverStatus]

    private enum CodingKeys: String, CodingKey { case statusList }

    init(from decoder: any Decoder) throws {
        let json = try decoder.container(keyedBy: CodingKeys.self)
        statusList = try json.decodeIfPresent([NHNReceiverStatus].self, forKey: .statusList) ?? []
    }
}
