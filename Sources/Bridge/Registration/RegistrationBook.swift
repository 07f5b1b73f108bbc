import NHNClient

/// Which HER-ids are registered with NHN (`PUT /mshconfigurations`), which are being registered
/// and which NHN refused: a plain value, driven by `Registrations`.
struct RegistrationBook: Sendable, Equatable {
    enum Status: Sendable, Equatable {
        /// A registration is under way (retried with backoff while NHN's trouble is transient).
        case registering
        case registered
        /// NHN refused it for good (403, 423, 401, …); the next caller that needs it tries again.
        case refused(CallFailure)
    }

    private(set) var statuses: [Int: Status] = [:]

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
    }

    /// A refusal only changes a HER-id not known to be registered: a remembered registration
    /// that a start-up PUT could not renew (e.g. 423) is still NHN's.
    mutating func refused(_ herId: Int, _ failure: CallFailure) {
        if statuses[herId] == .registering { statuses[herId] = .refused(failure) }
    }

    /// NHN refused a call because `herId` has no configuration: whether to start registering it.
    mutating func lost(_ herId: Int) -> Bool {
        guard statuses[herId] != .registering else { return false }
        statuses[herId] = .registering
        return true
    }
}
