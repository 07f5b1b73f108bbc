import NHNClient

/// `PUT /mshconfigurations`: the seam between registration and NHN.
package protocol MshRegistrar: Sendable {
    func registerConfigurations(herIds: [Int]) async -> CallOutcome
    /// The configuration sent for `herId`, as text: a registration is remembered with it, so a
    /// changed configuration is registered again.
    func configuration(for herId: Int) -> String
}

extension NHNClient: MshRegistrar {
    package func configuration(for herId: Int) -> String {
        String(decoding: Self.configuration(herId: herId), as: UTF8.self)
    }
}
