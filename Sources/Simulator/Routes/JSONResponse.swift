#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

enum JSONResponse {
    static func encoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys]
        return encoder
    }

    static func make(status: HTTPResponse.Status, _ value: some Encodable) -> Response {
        // Encoding the simulator's own plain values cannot fail; an empty body would show it did.
        let data = (try? encoder().encode(value)) ?? Data()
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// 202 `{id}` with `Location: /messages/{id}`, as NHN answers `POST /messages` and
    /// `POST /messages/{id}/apprec` (docs/nhn-edi.md §13.4).
    static func acceptedShipment(_ id: String) -> Response {
        var response = make(status: .accepted, ["id": id])
        response.headers[.location] = "/messages/\(id)"
        return response
    }
}
