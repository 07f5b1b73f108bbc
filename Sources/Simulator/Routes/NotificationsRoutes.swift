#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird

/// `GET /notifications` and `GET /notifications/stream` (docs/nhn-edi.md §3.3, §3.4).
struct NotificationsRoutes: Sendable {
    let state: SimulatorState

    func register(on group: RouterGroup<SimulatorRequestContext>) {
        group.get("notifications") { request, _ in
            let query = try NotificationQuery.parse(request, offsetRequired: true)
            try await checkReadable(query.herIds)
            let found = await state.notifications(
                for: Set(query.herIds), after: query.offset ?? 0, limit: query.notificationsToFetch)
            return JSONResponse.make(status: .ok, ["notifications": found])
        }
        group.get("notifications/stream") { request, context in
            try await stream(request, context: context)
        }
    }

    /// Own HER-ids only (403/1202), and each must have a configuration (404/1010).
    private func checkReadable(_ herIds: [Int]) async throws(NHNProblem) {
        for herId in herIds where !state.settings.ownHerIds.contains(herId) {
            throw NHNProblem(
                status: .forbidden, errorCode: .herIdNotAuthorised,
                detail: "The caller acts for HER-id \(herId), which its authorisation does not cover.")
        }
        let configured = await state.configuredHerIds()
        if let missing = herIds.first(where: { !configured.contains($0) }) {
            throw NHNProblem.notFound("HER-id \(missing) has no MSH configuration; PUT /mshconfigurations first.")
        }
    }

    private func stream(_ request: Request, context: SimulatorRequestContext) async throws -> Response {
        let accept = request.headers[.accept] ?? ""
        guard accept.lowercased().contains("text/event-stream") else {
            throw NHNProblem(
                status: .notAcceptable, errorCode: .unspecified,
                detail: "The stream answers only 'Accept: text/event-stream'.")
        }
        let query = try NotificationQuery.parse(request, offsetRequired: false)
        try await checkReadable(query.herIds)
        let settings = await state.streamSettings
        // 204 is no refusal: the stream ends at once, without events (NAV's client reads it as
        // a normal end of the stream).
        if settings.refuseWithStatus == 204 { return Response(status: .noContent) }
        if let refusal = settings.refuseWithStatus {
            throw NHNProblem(
                status: HTTPResponse.Status.standard(refusal), errorCode: NHNErrorCode.typical(for: refusal),
                detail: "The notification stream is not available now (simulated).")
        }
        let (id, events) = await state.subscribe(herIds: Set(query.herIds), after: query.offset)
        let state = state
        let logger = context.logger
        let stalled = await state.takeStall()
        let body = ResponseBody { writer in
            let timers = StreamTimers(settings: settings, id: id, state: state)
            defer { timers.cancel() }
            try await writer.write(ByteBuffer(string: "event: connected\ndata:\n\n"))
            if stalled {
                // Open and silent (the client cannot tell); a silent server never notices the
                // client leaving, so the connection is closed after a while in any case.
                let closer = Task {
                    try? await Task.sleep(for: .seconds(30))
                    await state.signal(.cut, to: id)
                }
                defer { closer.cancel() }
                for await event in events where event == .cut { break }
                try await writer.finish(nil)
                return
            }
            var sent = 0
            loop: for await event in events {
                switch event {
                case .notification(let notification):
                    let json = String(decoding: try JSONResponse.encoder().encode(notification), as: UTF8.self)
                    try await writer.write(ByteBuffer(string: "event: notification\ndata: \(json)\n\n"))
                    sent += 1
                    if let limit = settings.cutAfterEvents, sent >= limit { break loop }
                case .heartbeat:
                    try await writer.write(ByteBuffer(string: ": heartbeat\n\n"))
                case .cut:
                    break loop
                }
            }
            logger.debug("Notification stream ended", metadata: ["events": "\(sent)"])
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"],
            body: body)
    }
}

/// Heartbeats and the time cut of one stream, fed into its subscription; cancelling them also
/// drops the subscription, so a client that went away leaves nothing behind.
private struct StreamTimers: Sendable {
    let tasks: [Task<Void, Never>]
    let id: UUID
    let state: SimulatorState

    init(settings: StreamSettings, id: UUID, state: SimulatorState) {
        self.id = id
        self.state = state
        var tasks: [Task<Void, Never>] = []
        tasks.append(Task {
            while !Task.isCancelled {
                do { try await Task.sleep(for: .seconds(settings.heartbeatSeconds)) } catch { return }
                await state.signal(.heartbeat, to: id)
            }
        })
        if let seconds = settings.cutAfterSeconds {
            tasks.append(Task {
                do { try await Task.sleep(for: .seconds(seconds)) } catch { return }
                await state.signal(.cut, to: id)
            })
        }
        self.tasks = tasks
    }

    func cancel() {
        for task in tasks { task.cancel() }
        let state = state
        let id = id
        Task { await state.unsubscribe(id) }
    }
}
