import Ledger

/// What the outbox pipeline needs of the ledger: read a drop, change it durably. A seam so that
/// tests can make the ledger fail on demand (a full disk, an I/O error) without a real fault.
package protocol DropLedger: Sendable {
    /// Applies `change` to the drop `id` in one durable transaction and returns the drop as stored.
    func updateDrop(id: Int64, now: Double, _ change: @escaping @Sendable (inout DropRecord) -> Void) async throws -> DropRecord
    /// The drop as stored now.
    func drop(id: Int64) throws -> DropRecord?
    /// Every drop carrying `msgId` (to warn when a producer reuses one).
    func drops(msgId: String) throws -> [DropRecord]
    /// Moves on when the inbound side proves that an uncertain drop arrived.
    var arrivalsProven: ChangeSignal { get }
}

extension Ledger: DropLedger {
    package func updateDrop(
        id: Int64, now: Double, _ change: @escaping @Sendable (inout DropRecord) -> Void
    ) async throws -> DropRecord {
        try await update(id: id, now: now, change)
    }
}
