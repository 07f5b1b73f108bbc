import DropbridgeCore
import NHNClient

/// The transport seam of the outbox: NHN today, Altinn later.
public protocol MessageSender: Sendable {
    func send(_ message: OutgoingMessage) async -> SendOutcome
}

extension NHNClient: MessageSender {
    public func send(_ message: OutgoingMessage) async -> SendOutcome {
        await sendMessage(message)
    }
}
