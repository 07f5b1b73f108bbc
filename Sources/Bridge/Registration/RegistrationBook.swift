import NHNClient

/// Which HER-ids are registered with NHN (`PUT /mshconfigurations`), which are being registered
/// and which NHN refused: a plain value, driven by `Registrations`.
struct RegistrationBook: Sendable, Equatable {
    enum Status: Sendable, Equatable {
        /// A registration is under way (retried with backoff while NHN's trouble is transient).
        case registering
        case registered
        /// NHN refused it (403, 423, 401, …): tried again with a long backoff, and at once by
        /// the next caller that needs it.
        case refused(CallFailure)
    }

    private(set) var statuses: [Int: Status] = [:]
    /// HER-ids whose registration loop runs (at most one each).
    private(set) var loops: Set<Int> = []
    /// Answers NHN gave per HER-id (success or refusal), so a waiter can wait for the next one.
    private(set) var answers: [Int: Int] = [:]

    init(remembered: Set<Int> = []) {
        for herId in remembered { statuses[herId] = .registered }
    }

    func status(_ herId: Int) -> Status? { statuses[herId] }

    func isRegistered(_ herId: Int) -> Bool { statuses[herId] == .registered }

    /// A caller needs `herId` registered: whether a registration must be started for it (not
    /// when it is registered or being registered; again after a refusal).
    mutating func need(_ herId: Int) -> Bool {
        switch statuses[herId] {
        case .registered?, .registering?: return false
        case .refused?, nil:
            statuses[herId] = .registering
            return true
        }
    }

    /// At start-up every configured HER-id is registered again (NHN asks for it at every start),
    /// but remembered ones stay usable meanwhile.
    mutating func startUp(_ herId: Int) {
        if statuses[herId] == nil { statuses[herId] = .registering }
    }

    mutating func succeeded(_ herId: Int) {
        statuses[herId] = .registered
        answers[herId, default: 0] += 1
    }

    /// A registration loop is to run for `herId`: false when one runs already (it is then
    /// prodded to try at once instead).
    mutating func loopStarted(_ herId: Int) -> Bool {
        loops.insert(herId).inserted
    }

    mutating func loopEnded(_ herId: Int) {
        loops.remove(herId)
    }

    /// A refusal only changes a HER-id not known to be registered: a remembered registration
    /// that a start-up PUT could not renew (e.g. 423) is still NHN's.
    mutating func refused(_ herId: Int, _ failure: CallFailure) {
        answers[herId, default: 0] += 1
        if statuses[herId] != .registered { statuses[herId] = .refused(failure) }
    }

    /// NHN refused a call because `herId` has no configuration: whether to start registering it.
    mutating func lost(_ herId: Int) -> Bool {
        guard statuses[herId] != .registering else { return false }
        statuses[herId] = .registering
        return true
    }
}
