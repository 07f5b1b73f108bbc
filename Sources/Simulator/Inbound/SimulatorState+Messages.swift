#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Stored messages, what clients did with them, and the simulated network that delivers them.
extension SimulatorState {
    func storedMessage(_ id: String) -> StoredMessage? { inbound.messages[id] }

    /// Records a message and plays the network's part for each receiver: own HER-ids get it at
    /// once, known counterparties answer after delays, unknown HER-ids are refused.
    func deliver(_ message: StoredMessage) {
        inbound.messages[message.id] = message
        for receiver in message.receiverHerIds {
            if settings.ownHerIds.contains(receiver) {
                inbound.messages[message.id]?.updateStatus(of: receiver) {
                    $0.sent = true
                    $0.transportDeliveryState = .acknowledged
                }
                publish(
                    .newMessage, to: receiver, triggeredBy: message.senderHerId, relatedMessageId: message.id,
                    description: "New message received. (\(message.messageType)).")
            } else if settings.counterpartyHerIds.contains(receiver) {
                scheduleCounterparty(messageId: message.id, receiver: receiver)
            } else if settings.ownHerIds.contains(message.senderHerId), wantsRefusedNotices(message.senderHerId) {
                publish(
                    .refusedMessage, to: message.senderHerId, triggeredBy: receiver, relatedMessageId: message.id,
                    description: "The message could not be delivered: HER-id \(receiver) is not a known addressee.")
            }
        }
    }

    private func scheduleCounterparty(messageId: String, receiver: Int) {
        let delays = inbound.counterpartyDelays
        let key = UUID()
        inbound.pending[key] = Task { [weak self] in
            do {
                try await Task.sleep(for: .seconds(delays.sentSeconds))
                await self?.counterpartyStep(.sent, messageId: messageId, receiver: receiver)
                try await Task.sleep(for: .seconds(delays.deliveredSeconds))
                await self?.counterpartyStep(.delivered, messageId: messageId, receiver: receiver)
                try await Task.sleep(for: .seconds(delays.appRecSeconds))
                await self?.counterpartyStep(.appRec, messageId: messageId, receiver: receiver)
            } catch {
                // Cancelled by reset: the simulated network forgets the message.
            }
            await self?.forgetPending(key)
        }
    }

    private func forgetPending(_ key: UUID) { inbound.pending.removeValue(forKey: key) }

    enum CounterpartyStep { case sent, delivered, appRec }

    private func counterpartyStep(_ step: CounterpartyStep, messageId: String, receiver: Int) {
        guard let message = inbound.messages[messageId] else { return }
        let sender = message.senderHerId
        switch step {
        case .sent:
            inbound.messages[messageId]?.updateStatus(of: receiver) { $0.sent = true }
            publish(
                .messageSentStateUpdated, to: sender, triggeredBy: receiver, relatedMessageId: messageId,
                description: "The message was sent to HER-id \(receiver).")
        case .delivered where inbound.abandoningCounterparties.contains(receiver):
            inbound.messages[messageId]?.updateStatus(of: receiver) { $0.transportDeliveryState = .abandoned }
            publish(
                .messageDeliveryStateUpdated, to: sender, triggeredBy: receiver, relatedMessageId: messageId,
                description: "The message could not be delivered to HER-id \(receiver): Abandoned.")
        case .delivered:
            inbound.messages[messageId]?.updateStatus(of: receiver) { $0.transportDeliveryState = .acknowledged }
            publish(
                .messageDeliveryStateUpdated, to: sender, triggeredBy: receiver, relatedMessageId: messageId,
                description: "Transport receipt from HER-id \(receiver): Acknowledged.")
        case .appRec:
            // Nobody answers a receipt with a receipt, nor a message that never arrived.
            guard !message.isAppRec, !inbound.abandoningCounterparties.contains(receiver) else { return }
            let appRecId = UUID().uuidString.lowercased()
            let document = AppRecWriter.document(
                id: appRecId, originalMsgId: message.businessDocumentId ?? message.id,
                originalType: message.messageType, from: receiver, to: sender)
            // One uuid for the AppRec's `Id` and its shipment id keeps the two easy to match.
            let appRec = StoredMessage(
                id: appRecId, senderHerId: receiver, receiverHerIds: [sender], businessDocumentId: appRecId,
                genDate: Date().formatted(.iso8601), messageType: "APPREC", document: document, isAppRec: true)
            inbound.messages[messageId]?.updateStatus(of: receiver) {
                $0.apprecInfo = AppRecInfoBody(appRecStatus: "Ok", appRecErrorList: [], appRecId: appRec.id)
            }
            deliver(appRec)
            publish(
                .messageApprecInfoUpdated, to: sender, triggeredBy: receiver, relatedMessageId: messageId,
                description: "AppRec from HER-id \(receiver): Ok.")
        }
    }

    // MARK: What clients did with received messages

    func markDownloaded(_ messageId: String, by receiver: Int) {
        downloadedMarkObserver?(messageId, receiver)
        inbound.downloaded[messageId, default: []].insert(receiver)
    }

    func downloadedMarks() -> [String: [Int]] {
        inbound.downloaded.mapValues { $0.sorted() }
    }

    /// Records an AppRec answering a received message and delivers it to that message's sender.
    func recordAppRec(_ appRec: ReceivedAppRec, document: String, original: StoredMessage) {
        inbound.appRecs.append(appRec)
        inbound.messages[original.id]?.updateStatus(of: appRec.appRecSenderHerId) {
            $0.apprecInfo = AppRecInfoBody(
                appRecStatus: appRec.appRecStatus, appRecErrorList: appRec.appRecErrorList, appRecId: appRec.id)
        }
        let stored = StoredMessage(
            id: appRec.id, senderHerId: appRec.appRecSenderHerId, receiverHerIds: [original.senderHerId],
            businessDocumentId: appRec.id, genDate: Date().formatted(.iso8601), messageType: "APPREC",
            document: document, isAppRec: true)
        inbound.messages[stored.id] = stored
    }

    func receivedAppRecs() -> [ReceivedAppRec] { inbound.appRecs }
}
