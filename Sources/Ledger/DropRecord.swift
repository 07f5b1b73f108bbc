import DropbridgeCore
import GRDB

/// One row per drop.
public struct DropRecord: Codable, Sendable, Equatable, FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "drops"

    public var id: Int64?
    /// The name the drop is known by in every output file (`NAME`, or `NAME~2` when taken).
    public var name: String
    /// The name as dropped (display form; invalid bytes shown as %XX).
    public var originalName: String
    /// File names inside the claim directory (the document first, then the sidecar).
    public var files: [String]
    public var channel: String
    public var state: DropState
    public var contentHash: String?
    public var msgId: String?
    public var messageType: String?
    public var senderHerId: Int?
    public var receiverHerIds: [Int]?
    /// Attempts of `POST /messages` started.
    public var attempts: Int
    /// Sends repeated because a crash or a lost answer left it unknown whether the previous one arrived.
    public var possibleDuplicates: Int
    public var messageId: String?
    /// The last transient problem (for `status` and the log), or why the drop is held.
    public var lastError: String?
    public var failure: StoredFailure?
    public var nextAttemptAt: Double?
    public var claimedAt: Double
    public var updatedAt: Double
    public var acceptedAt: Double?
    public var filedAt: Double?
    /// The name the files got (or get) in `sent/` or `failed/`, recorded before they move: the
    /// ledger's `name`, or `NAME~n` when someone put a file of that name there by hand. Set means
    /// the claim is (being) released; a crash after the move still knows the name.
    public var releasedAs: String?

    public var claimId: String { "d\(id ?? 0)" }

    public mutating func didInsert(_ inserted: InsertionSuccess) {
        id = inserted.rowID
    }

    public init(name: String, originalName: String, files: [String], channel: String, now: Double) {
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
public struct StoredFailure: Codable, Sendable, Equatable {
    public var stage: FailureStage
    public var reason: String
    public var errors: [LineError]?
    public var httpStatus: Int?
    public var problem: JSONValue?

    public init(_ failure: DropFailure) {
        stage = failure.stage
        reason = failure.reason
        errors = failure.errors.isEmpty ? nil : failure.errors
        httpStatus = failure.httpStatus
        problem = failure.problem
    }

    public var dropFailure: DropFailure {
        DropFailure(stage: stage, reason: reason, errors: errors ?? [], httpStatus: httpStatus, problem: problem)
    }
}
