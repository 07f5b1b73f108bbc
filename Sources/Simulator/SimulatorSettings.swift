/// What the simulated NHN service knows about the world: whom the caller may act for, whom it
/// may address, how large a request may be, and which faults to inject.
public struct SimulatorSettings: Sendable {
    /// HER-ids the bridge acts for: the only ones it may send from (403/1202 otherwise).
    public var ownHerIds: Set<Int>
    /// Known foreign HER-ids (counterparties the simulated network can deliver to).
    public var counterpartyHerIds: Set<Int>
    /// NHN's documented request limit is 35 MB.
    public var maxRequestBytes: Int
    public var faults: FaultSettings
    /// Pauses of a simulated foreign counterparty before each status step.
    public var counterpartyDelays: CounterpartyDelays
    /// The notification stream's heartbeat and cuts at start-up.
    public var stream: StreamSettings
    /// Deterministic notification offsets when set (the fault seed is used otherwise).
    public var seed: UInt64?
    /// HelseID, Maskinporten and Altinn: registered clients, token lifetime.
    public var authentication: AuthenticationSettings
    /// Altinn 3 Correspondence: resources, recipients, status timing, faults.
    public var correspondence: CorrespondenceSettings

    public init(
        ownHerIds: Set<Int>, counterpartyHerIds: Set<Int> = [], maxRequestBytes: Int = 35_000_000,
        faults: FaultSettings = FaultSettings(), counterpartyDelays: CounterpartyDelays = CounterpartyDelays(),
        stream: StreamSettings = StreamSettings(), seed: UInt64? = nil,
        authentication: AuthenticationSettings = AuthenticationSettings(),
        correspondence: CorrespondenceSettings = CorrespondenceSettings()
    ) {
        self.correspondence = correspondence
        self.authentication = authentication
        self.ownHerIds = ownHerIds
        self.counterpartyHerIds = counterpartyHerIds
        self.maxRequestBytes = maxRequestBytes
        self.faults = faults
        self.counterpartyDelays = counterpartyDelays
        self.stream = stream
        self.seed = seed
    }
}

/// Faults injected on the NHN routes (never on `/_sim/`). All rates are probabilities in 0...1.
public struct FaultSettings: Sendable, Codable, Equatable {
    /// e.g. `[503: 0.2, 429: 0.1]`: answer that status with this probability instead of processing.
    public var statusRates: [Int: Double]
    /// Sent as `Retry-After` with 429/503 faults.
    public var retryAfterSeconds: Int?
    /// Added before answering.
    public var latencyMilliseconds: Int
    /// Drop the TCP connection before processing (no answer at all).
    public var resetRate: Double
    /// Process and record the message, then drop the connection without answering: the client
    /// cannot know the message was accepted.
    public var resetAfterAcceptRate: Double
    /// Deterministic randomness when set.
    public var seed: UInt64?
    /// The next this many `PUT /mshconfigurations` answer 503 (an NHN outage at start-up), then
    /// they succeed again.
    public var mshConfigurationFailures: Int
    /// The next this many `PUT /mshconfigurations` (after any `mshConfigurationFailures`) are
    /// refused for good as NHN refuses them: 423, the HER-id locked by another HelseID client
    /// (errorCode 1210), until an operator sorts it out.
    public var mshConfigurationRefusals: Int

    public init(
        statusRates: [Int: Double] = [:], retryAfterSeconds: Int? = nil, latencyMilliseconds: Int = 0,
        resetRate: Double = 0, resetAfterAcceptRate: Double = 0, seed: UInt64? = nil, mshConfigurationFailures: Int = 0,
        mshConfigurationRefusals: Int = 0
    ) {
        self.mshConfigurationFailures = mshConfigurationFailures
        self.mshConfigurationRefusals = mshConfigurationRefusals
        self.statusRates = statusRates
        self.retryAfterSeconds = retryAfterSeconds
        self.latencyMilliseconds = latencyMilliseconds
        self.resetRate = resetRate
        self.resetAfterAcceptRate = resetAfterAcceptRate
        self.seed = seed
    }

    /// Every key is optional in JSON so `PUT /_sim/faults` can send only what it changes
    /// from the defaults.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        statusRates = try container.decodeIfPresent([Int: Double].self, forKey: .statusRates) ?? [:]
        retryAfterSeconds = try container.decodeIfPresent(Int.self, forKey: .retryAfterSeconds)
        latencyMilliseconds = try container.decodeIfPresent(Int.self, forKey: .latencyMilliseconds) ?? 0
        resetRate = try container.decodeIfPresent(Double.self, forKey: .resetRate) ?? 0
        resetAfterAcceptRate = try container.decodeIfPresent(Double.self, forKey: .resetAfterAcceptRate) ?? 0
        seed = try container.decodeIfPresent(UInt64.self, forKey: .seed)
        mshConfigurationFailures = try container.decodeIfPresent(Int.self, forKey: .mshConfigurationFailures) ?? 0
        mshConfigurationRefusals = try container.decodeIfPresent(Int.self, forKey: .mshConfigurationRefusals) ?? 0
    }

    /// Reasons the settings cannot be used, empty when they can.
    public var problems: [String] {
        var problems: [String] = []
        func checkRate(_ name: String, _ rate: Double) {
            if !(0...1).contains(rate) { problems.append("\(name) must be between 0 and 1") }
        }
        for (status, rate) in statusRates.sorted(by: { $0.key < $1.key }) {
            if !(400...599).contains(status) { problems.append("statusRates: \(status) is not an error status") }
            checkRate("statusRates[\(status)]", rate)
        }
        if statusRates.values.reduce(0, +) > 1 { problems.append("statusRates must add up to at most 1") }
        checkRate("resetRate", resetRate)
        checkRate("resetAfterAcceptRate", resetAfterAcceptRate)
        if latencyMilliseconds < 0 { problems.append("latencyMilliseconds must not be negative") }
        if mshConfigurationFailures < 0 { problems.append("mshConfigurationFailures must not be negative") }
        if mshConfigurationRefusals < 0 { problems.append("mshConfigurationRefusals must not be negative") }
        if let retryAfterSeconds, retryAfterSeconds < 0 { problems.append("retryAfterSeconds must not be negative") }
        return problems
    }
}
