#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Notifications: publishing with gapped offsets, polling and stream subscriptions.
extension SimulatorState {
    @discardableResult
    func publish(
        _ type: NotificationType, to receiver: Int, triggeredBy: Int?, relatedMessageId: String?, description: String
    ) -> SimNotification {
        let notification = SimNotification(
            id: nil, relatedMessageId: relatedMessageId, type: type,
            notificationReceiverHerId: receiver, notificationTriggeredByHerId: triggeredBy,
            description: description, createdAt: Date(), offset: inbound.nextOffset())
        inbound.notifications.append(notification)
        for subscriber in inbound.subscribers.values where subscriber.herIds.contains(receiver) {
            subscriber.continuation.yield(.notification(notification))
        }
        return notification
    }

    /// Ascending by offset, only those after `offset` for `herIds`.
    func notifications(for herIds: Set<Int>, after offset: Int64, limit: Int = .max) -> [SimNotification] {
        Array(inbound.notifications.lazy.filter { $0.offset > offset && herIds.contains($0.notificationReceiverHerId) }.prefix(limit))
    }

    func allNotifications() -> [SimNotification] { inbound.notifications }

    /// A stream of every stored notification after `offset` (the current end when nil), then
    /// every new one. Both happen in one actor turn, so nothing is missed or repeated.
    func subscribe(herIds: Set<Int>, after offset: Int64?) -> (id: UUID, events: AsyncStream<StreamEvent>) {
        let (events, continuation) = AsyncStream<StreamEvent>.makeStream()
        let id = UUID()
        for notification in notifications(for: herIds, after: offset ?? inbound.lastOffset) {
            continuation.yield(.notification(notification))
        }
        inbound.subscribers[id] = .init(herIds: herIds, continuation: continuation)
        return (id, events)
    }

    func unsubscribe(_ id: UUID) {
        inbound.subscribers.removeValue(forKey: id)?.continuation.finish()
    }

    var subscriberCount: Int { inbound.subscribers.count }

    /// Ends every open stream, so a graceful shutdown does not wait on them.
    func finishStreams() {
        for subscriber in inbound.subscribers.values { subscriber.continuation.finish() }
        inbound.subscribers.removeAll()
    }

    var streamSettings: StreamSettings { inbound.streamSettings }

    /// True when the stream opening now is to go silent (and one fewer is left to).
    func takeStall() -> Bool {
        guard inbound.streamSettings.stallStreams > 0 else { return false }
        inbound.streamSettings.stallStreams -= 1
        return true
    }

    func setStreamSettings(_ settings: StreamSettings) {
        inbound.streamSettings = settings
    }

    // MARK: Configuration

    func configure(_ configurations: [MshConfiguration]) {
        for configuration in configurations { inbound.configurations[configuration.herId] = configuration }
    }

    func isConfigured(_ herId: Int) -> Bool { inbound.configurations[herId] != nil }

    func configuredHerIds() -> Set<Int> { Set(inbound.configurations.keys) }

    /// RefusedMessage is switched on per HER-id; unconfigured senders get it (nobody said no).
    func wantsRefusedNotices(_ herId: Int) -> Bool {
        inbound.configurations[herId]?.receiveRefusedMessageNotices != false
    }

    func resetInbound() {
        for task in inbound.pending.values { task.cancel() }
        let lastOffset = inbound.lastOffset
        let subscribers = inbound.subscribers
        inbound = InboundStore(settings: settings)
        inbound.lastOffset = lastOffset
        inbound.subscribers = subscribers
    }
}

extension SimulatorState {
    /// Heartbeats and cuts travel the same subscription as notifications, so one loop writes all.
    func signal(_ event: StreamEvent, to id: UUID) {
        inbound.subscribers[id]?.continuation.yield(event)
    }
}
