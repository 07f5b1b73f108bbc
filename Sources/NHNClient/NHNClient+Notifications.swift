import Foundation
import Logging
import NIOHTTP1

extension NHNClient {
    /// NHN's limit on `HerIds` in one notification call.
    package static let maxHerIdsPerCall = 1500

    /// `GET /notifications?HerIds=…&Offset=…&NotificationsToFetch=…`: notifications after
    /// `offset` (the last one processed), oldest first. More than 1500 HER-Ids are asked for in
    /// several calls and merged (see `mergePages`). `count` is clamped to NHN's 1…1000.
    ///
    /// A notification that cannot be read (no type or offset) is skipped with a warning rather
    /// than failing the page, so one bad entry cannot stop the cursor for good.
    package func notifications(herIds: [Int], after offset: Int64, count: Int) async
        -> Result<[NHNNotification], CallFailure>
    {
        let count = min(max(count, 1), 1000)
        var pages: [[NHNNotification]] = []
        for batch in Self.herIdBatches(herIds) {
            var query: [(name: String, value: String)] = batch.map { (name: "HerIds", value: String($0)) }
            query.append((name: "Offset", value: String(offset)))
            query.append((name: "NotificationsToFetch", value: String(count)))
            let call = NHNRequest(method: .GET, path: "/notifications", query: query)
            switch await performDecoding(call, as: NotificationPage.self) {
            case .failure(let failure):
                return .failure(failure)
            case .success(let page):
                if page.skipped > 0 {
                    logger.warning(
                        "Skipped unreadable notifications from NHN", metadata: ["nhn.skipped": "\(page.skipped)"])
                }
                pages.append(page.notifications)
            }
        }
        return .success(Self.mergePages(pages, requested: count))
    }

    /// HER-Ids in order, each once (NHN takes 1 to 1500 *unique* HER-Ids a call), in groups of
    /// at most `size` (none for an empty list).
    package static func herIdBatches(_ herIds: [Int], size: Int = maxHerIdsPerCall) -> [[Int]] {
        let size = max(size, 1)
        var seen = Set<Int>()
        let unique = herIds.filter { seen.insert($0).inserted }
        return stride(from: 0, to: unique.count, by: size).map { Array(unique[$0..<min($0 + size, unique.count)]) }
    }

    /// Merges the pages of several calls (one per HER-Id batch) into one list sorted by offset
    /// that is safe to advance a single cursor over: a page that came back full (`requested`
    /// items) may have more after its last offset, so nothing past the lowest such last offset is
    /// returned (it comes again on the next call). At most `requested` items, without duplicates.
    static func mergePages(_ pages: [[NHNNotification]], requested: Int) -> [NHNNotification] {
        let fullPageEnds = pages.filter { $0.count >= requested }.compactMap { $0.map(\.offset).max() }
        let limit = fullPageEnds.min() ?? Int64.max
        var seen = Set<Int64>()
        let merged = pages.joined()
            .filter { $0.offset <= limit }
            .sorted { $0.offset < $1.offset }
            .filter { seen.insert($0.offset).inserted }
        return Array(merged.prefix(requested))
    }
}

/// `{ "notifications": [ … ] }`, each entry read on its own.
struct NotificationPage: Decodable {
    var notifications: [NHNNotification] = []
    var skipped = 0

    private enum CodingKeys: String, CodingKey { case notifications }

    init(from decoder: any Decoder) throws {
        let json = try decoder.container(keyedBy: CodingKeys.self)
        guard json.contains(.notifications), try !json.decodeNil(forKey: .notifications) else { return }
        var list = try json.nestedUnkeyedContainer(forKey: .notifications)
        while !list.isAtEnd {
            if let notification = try? list.decode(NHNNotification.self) {
                notifications.append(notification)
            } else {
                _ = try list.decode(SkippedValue.self)  // moves past the bad entry
                skipped += 1
            }
        }
    }

    private struct SkippedValue: Decodable {
        init(from decoder: any Decoder) throws {}
    }
}
