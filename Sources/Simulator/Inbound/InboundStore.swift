#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// One item on a notification stream subscription.
enum StreamEvent: Sendable, Equatable {
    case notification(SimNotification)
    case heartbeat
    /// The stream settings say this response ends now.
    case cut
}

/// What `PUT /mshconfigurations` recorded for one HER-id (docs/nhn-edi.md §3.1).
struct MshConfiguration: Sendable, Equatable {
    var herId: Int
    var receiveNotificationChannel: String
    var receiveRefusedMessageNotices: Bool?
    var clientLocked: Bool?
    var rejectMessageFunctions: [String]?
}

/// The inbound half of the simulator's memory: notifications, the messages behind them,
/// configurations and what clients did with received messages. Lives inside `SimulatorState`.
struct InboundStore: Sendable {
    struct Subscriber: Sendable {
        let herIds: Set<Int>
        let continuation: AsyncStream<StreamEvent>.Continuation
    }

    var notifications: [SimNotification] = []
    /// Never rewinds, not even on reset: offsets are global and only move forward. It starts at
    /// the microseconds since 1970, so a simulator started again later continues above every
    /// offset an earlier one handed out (a bridge keeps its offset across runs, as it must with
    /// NHN; a simulator starting at 1 again would look like a silent network).
    var lastOffset: Int64 = Int64(Date().timeIntervalSince1970 * 1_000_000)
    var offsetDice: FaultDice
    var subscribers: [UUID: Subscriber] = [:]
    var configurations: [Int: MshConfiguration] = [:]
    var messages: [String: StoredMessage] = [:]
    var downloaded: [String: Set<Int>] = [:]
    var appRecs: [ReceivedAppRec] = []
    var streamSettings: StreamSettings
    var counterpartyDelays: CounterpartyDelays
    var pending: [UUID: Task<Void, Never>] = [:]
    var messageFaults: [String: MessageFault] = [:]
    var abandoningCounterparties: Set<Int> = []

    init(settings: SimulatorSettings) {
        offsetDice = FaultDice(seed: settings.seed ?? settings.faults.seed)
        streamSettings = settings.stream
        counterpartyDelays = settings.counterpartyDelays
    }

    /// The next global offset: 1 to 5 past the previous, as other clients' traffic would leave it.
    mutating func nextOffset() -> Int64 {
        lastOffset += Int64(offsetDice.roll() * 5) + 1
        return lastOffset
    }
}
