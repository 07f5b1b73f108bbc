import Hummingbird

/// Reading request bodies the way NHN does: JSON only, never past the size limit.
enum RequestBodyReader {
    /// 415 unless the body is declared `application/json` (parameters such as charset allowed).
    static func requireJSON(_ request: Request) throws(NHNProblem) {
        let declared = request.headers[.contentType] ?? ""
        let mediaType = trimmed(String(declared.split(separator: ";", maxSplits: 1).first ?? "")).lowercased()
        guard mediaType == "application/json" else {
            throw NHNProblem(
                status: .unsupportedMediaType, errorCode: .unspecified,
                detail: declared.isEmpty
                    ? "The request has no Content-Type; use application/json."
                    : "Content-Type '\(declared)' is not supported; use application/json.")
        }
    }

    /// The whole body, refused with 413 as soon as it is known to exceed `limit`: from
    /// Content-Length before reading anything, otherwise while collecting (never buffering
    /// more than `limit` bytes).
    static func collect(_ request: Request, limit: Int) async throws -> [UInt8] {
        if let declared = request.headers[.contentLength].flatMap({ Int(trimmed($0)) }), declared > limit {
            throw tooLarge(limit: limit)
        }
        var bytes: [UInt8] = []
        for try await buffer in request.body {
            guard buffer.readableBytes <= limit - bytes.count else { throw tooLarge(limit: limit) }
            bytes.append(contentsOf: buffer.readableBytesView)
        }
        return bytes
    }

    static func tooLarge(limit: Int) -> NHNProblem {
        NHNProblem(
            status: .contentTooLarge, errorCode: .unspecified,
            detail: "The request body is larger than the maximum of \(limit) bytes.")
    }
}
