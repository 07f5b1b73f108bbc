import DropbridgeCore
import GRDB

/// One row per drop.
package struct DropRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    package static let databaseTableName = "drops"

    package var id: Int64?
    /// The name the drop is known by in every output file (`NAME`, or `NAME~2` when taken).
    package var name: String
    /// The name as dropped (display form; invalid bytes shown as %XX).
    package var originalName: String
    /// File names inside the claim directory (the document first, then the sidecar).
    package var files: [String]
    package var channel: String
    package var state: DropState
    package var contentHash: String?
    package var msgId: String?
    package var messageType: String?
    package var senderHerId: Int?
    package var receiverHerIds: [Int]?
    /// Attempts of `POST /messages` started.
    package var attempts: Int
    /// Sends repeated because a crash or a lost answer left it unknown whether the previous one arrived.
    package var possibleDuplicates: Int
    package var messageId: String?
    /// The last transient problem (for `status` and the log), or why the drop is held.
    package var lastError: String?
    package var failure: StoredFailure?
    package var nextAttemptAt: Double?
    package var claimedAt: Double
    package var updatedAt: Double
    package var acceptedAt: Double?
    package var filedAt: Double?
    /// The name the files got (or get) in `sent/` or `failed/`, recorded before they move: the
    /// ledger's `name`, or `NAME~n` when someone put a file of that name there by hand. Set means
    /// the claim is (being) released; a crash after the move still knows the name.
    package var releasedAs: String?

    package var claimId: String { "d\(id ?? 0)" }

    package mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    package init(name: String, originalName: String, files: [String], channel: String, now: Double) {
        self.name = name
        self.originalName = originalName
        self.files = files
        self.channel = channel
        state = .claimed
        attempts = 0
        possibleDuplicates = 0
        claimedAt = now
        updatedAt = now
    }
}

/// A permanent refusal as stored in the ledger (the same facts as `failed/NAME.error.json`).
package struct StoredFailure: Codable, Sendable, Equatable {
    package var stage: FailureStage
    package var reason: String
    package var errors: [LineError]?
    package var httpStatus: Int?
    package var problem: JSONValue?

    package init(_ failure: DropFailure) {
        stage = failure.stage
        reason = failure.reason
        errors = failure.errors.isEmpty ? nil : failure.errors
        httpStatus = failure.httpStatus
        problem = failure.problem
    }

    package var dropFailure: DropFailure {
        DropFailure(stage: stage, reason: reason, errors: errors ?? [], httpStatus: httpStatus, problem: problem)
    }
}
