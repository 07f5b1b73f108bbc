import Foundation
import NIOHTTP1

extension NHNClient {
    /// `GET /notifications/stream` (Server-Sent Events). `offset` nil starts at the current end;
    /// otherwise only notifications after it come. At most `maxHerIdsPerCall` HER-Ids per stream
    /// (split with `herIdBatches` and open one stream per batch).
    ///
    /// Connecting (up to the response head) has the endpoint's request deadline; the stream
    /// itself has none. A 2xx answer becomes the stream (204 is an empty one); any other answer
    /// is classified as usual (408/429/5xx transient, 401 retried once).
    package func notificationStream(herIds: [Int], after offset: Int64?) async
        -> Result<NotificationStream, CallFailure>
    {
        let herIds = Self.herIdBatches(herIds, size: Int.max).first ?? []
        guard !herIds.isEmpty, herIds.count <= Self.maxHerIdsPerCall else {
            // Not NHN's answer: a caller mistake, reported as a refusal without a status.
            return .failure(
                .refused(
                    httpStatus: 0, problem: nil,
                    reason: "A notification stream needs 1 to \(Self.maxHerIdsPerCall) HER-Ids, not \(herIds.count)."))
        }
        var query = herIds.map { (name: "HerIds", value: String($0)) }
        if let offset { query.append(("Offset", String(offset))) }
        var call = NHNRequest(method: .GET, path: "/notifications/stream", query: query)
        call.accept = "text/event-stream"
        return await performStreaming(call).map { NotificationStream(body: $0.body) }
    }
}
