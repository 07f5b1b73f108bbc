/// The life of one drop in the ledger. The ledger is written before each external effect and
/// after each confirmation, so after a crash the state says exactly what to redo:
///
///     claimed ──▶ validated ──▶ sending ──▶ accepted
///        │            │            │  ▲
///        │            │            ▼  │ (transient: retry later)
///        └────────────┴──────▶ failed      held (423 / credentials refused: waits for an operator)
///
/// `accepted` and `failed` are final answers; `filedAt` records that the output files were
/// written and the claim released.
package enum DropState: String, Codable, Sendable, CaseIterable {
    /// Files are (being) moved into the work area; the row reserves the claim id and the name.
    case claimed
    /// The document passed validation; metadata is recorded.
    case validated
    /// `POST /messages` has started. A crash in this state means the answer was lost: the drop
    /// is sent again and counted as a possible duplicate.
    case sending
    /// Held without retrying on a timer: the API said 423 (locked by another client) or refused
    /// our credentials. Held drops stay claimed and are retried at start-up.
    case held
    /// The last `POST /messages` may have reached NHN (a crash or a lost answer left it unknown)
    /// and receiving is on: the drop waits up to `nhn.uncertainSeconds` (`nextAttemptAt` is the
    /// deadline) for a notification that proves the message arrived, matched on its MsgId
    /// (`Ledger.proveArrival`), before it is sent again and counted as a possible duplicate.
    case uncertain
    case accepted
    case failed

    package var isFinal: Bool { self == .accepted || self == .failed }
}
