#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Everything the simulator remembers between requests. One actor so routes, the fault
/// injector and the inspection API never see a half-updated picture.
actor SimulatorState {
    let settings: SimulatorSettings
    private(set) var faults: FaultSettings
    private var dice: FaultDice
    /// `PUT /mshconfigurations` still to be answered 503 (`FaultSettings.mshConfigurationFailures`).
    private var mshConfigurationFailuresLeft: Int
    private var mshConfigurationRefusalsLeft: Int
    private var messages: [ReceivedMessage] = []
    /// Notifications, stored messages and the rest of the inbound side (see `Inbound/SimulatorState+Notifications` and `+Messages`).
    var inbound: InboundStore
    /// Told of each downloaded mark before it is answered; kept across `reset()`.
    private(set) var downloadedMarkObserver: (@Sendable (_ messageId: String, _ receiver: Int) -> Void)?

    init(settings: SimulatorSettings) {
        self.settings = settings
        inbound = InboundStore(settings: settings)
        faults = settings.faults
        dice = FaultDice(seed: settings.faults.seed)
        mshConfigurationFailuresLeft = settings.faults.mshConfigurationFailures
        mshConfigurationRefusalsLeft = settings.faults.mshConfigurationRefusals
    }

    // MARK: Faults

    /// Replaces the fault settings; a new seed restarts the deterministic sequence.
    func setFaults(_ newFaults: FaultSettings) {
        faults = newFaults
        dice = FaultDice(seed: newFaults.seed)
        mshConfigurationFailuresLeft = newFaults.mshConfigurationFailures
        mshConfigurationRefusalsLeft = newFaults.mshConfigurationRefusals
    }

    /// Whether this `PUT /mshconfigurations` is to fail (and one failure fewer is left).
    func takeMshConfigurationFailure() -> Bool {
        guard mshConfigurationFailuresLeft > 0 else { return false }
        mshConfigurationFailuresLeft -= 1
        return true
    }

    func takeMshConfigurationRefusal() -> Bool {
        guard mshConfigurationRefusalsLeft > 0 else { return false }
        mshConfigurationRefusalsLeft -= 1
        return true
    }

    func decideFault() -> FaultDecision {
        faults.decide(using: &dice)
    }

    func shouldResetAfterAccept() -> Bool {
        dice.happens(rate: faults.resetAfterAcceptRate)
    }

    func observeDownloadedMarks(_ observer: @escaping @Sendable (_ messageId: String, _ receiver: Int) -> Void) {
        downloadedMarkObserver = observer
    }

    // MARK: Messages

    func record(_ message: ReceivedMessage) {
        messages.append(message)
    }

    func receivedMessages(msgId: String? = nil) -> [ReceivedMessage] {
        guard let msgId else { return messages }
        return messages.filter { $0.msgId == msgId }
    }

    func count(msgId: String) -> Int {
        messages.reduce(0) { $0 + ($1.msgId == msgId ? 1 : 0) }
    }

    /// How often each MsgId arrived; documents without a MsgId are not counted.
    func countsByMsgId() -> [String: Int] {
        var counts: [String: Int] = [:]
        for message in messages {
            if let msgId = message.msgId { counts[msgId, default: 0] += 1 }
        }
        return counts
    }

    /// Forgets every message and restores the fault settings the simulator started with.
    func reset() {
        messages.removeAll()
        setFaults(settings.faults)
        resetInbound()
    }
}
