import Hummingbird

/// The query of `GET /notifications` and `/notifications/stream` (docs/nhn-edi.md §3.3,
/// §3.4). ASP.NET binds query names case-insensitively, so we do too.
struct NotificationQuery: Sendable, Equatable {
    static let maxHerIds = 1500

    var herIds: [Int]
    var offset: Int64?
    var notificationsToFetch: Int

    static func parse(_ request: Request, offsetRequired: Bool) throws(NHNProblem) -> NotificationQuery {
        var values: [String: [String]] = [:]
        for (key, value) in request.uri.queryParameters {
            values[key.lowercased(), default: []].append(String(value))
        }
        var errors: [String] = []
        var herIds: [Int] = []
        let rawHerIds = values["herids"] ?? []
        if rawHerIds.isEmpty {
            errors.append("HerIds: at least one HER-id is required")
        } else if rawHerIds.count > maxHerIds {
            errors.append("HerIds: at most \(maxHerIds) HER-ids per request, got \(rawHerIds.count)")
        } else {
            for raw in rawHerIds {
                guard let herId = Int32(trimmed(raw)), herId > 0 else {
                    errors.append("HerIds: '\(raw)' is not a positive integer HER-id")
                    continue
                }
                herIds.append(Int(herId))
            }
            if Set(herIds).count < herIds.count { errors.append("HerIds: each HER-id may be given once") }
        }
        var offset: Int64?
        if let raw = values["offset"]?.last {
            offset = Int64(trimmed(raw))
            if offset == nil { errors.append("Offset: '\(raw)' is not a 64-bit integer") }
            if let given = offset, given < 0 { errors.append("Offset: must be 0 or more") }
        } else if offsetRequired {
            errors.append("Offset: the parameter is required")
        }
        var toFetch = 100
        if let raw = values["notificationstofetch"]?.last {
            if let value = Int(trimmed(raw)), (1...1000).contains(value) {
                toFetch = value
            } else {
                errors.append("NotificationsToFetch: must be an integer from 1 to 1000")
            }
        }
        guard errors.isEmpty else { throw .validation("One or more validation errors occurred.", errors: errors) }
        return NotificationQuery(herIds: herIds, offset: offset, notificationsToFetch: toFetch)
    }
}
