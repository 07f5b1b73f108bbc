import DropbridgeCore

/// The timing and sidecar rules the tracker applies (docs/contract.md §3, `outbox.*`).
public struct PairingPolicy: Sendable, Equatable {
    public var sidecar: BridgeConfig.SidecarPolicy
    /// How long a file's size, mtime and inode must stay the same to count as complete.
    public var settle: Duration
    /// How long one half of a pair waits for the other before it goes to `failed/`.
    public var orphanAfter: Duration

    public init(sidecar: BridgeConfig.SidecarPolicy = .required, settleMilliseconds: Int = 500, orphanSeconds: Double = 300) {
        self.sidecar = sidecar
        self.settle = .milliseconds(settleMilliseconds)
        self.orphanAfter = .milliseconds(Int64((orphanSeconds * 1000).rounded()))
    }

    public init(_ outbox: BridgeConfig.Outbox) {
        self.init(sidecar: outbox.sidecar, settleMilliseconds: outbox.settleMilliseconds, orphanSeconds: outbox.orphanSeconds)
    }
}

/// A complete drop, ready to be claimed.
public struct DropPair: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// `NAME.xml` or `NAME.xml.gz`, with `NAME.json` (absent only with `sidecar: optional`).
        case message
        /// `NAME.apprec.json` alone.
        case appRec
    }

    public let name: DropName
    public let kind: Kind
    public let document: OutboxEntry?
    public let sidecar: OutboxEntry?
    public let appRec: OutboxEntry?

    /// In claim order (`DropFileKind.claimRank`): the document first, the sidecar last.
    public var files: [OutboxEntry] {
        [document, appRec, sidecar].compactMap { $0 }.sorted { ($0.kind?.claimRank ?? .max) < ($1.kind?.claimRank ?? .max) }
    }
}

/// What the tracker decided about one NAME. Every case but `ready` is a refusal that moves
/// `files` (never opened) to `failed/` with `failure`.
public enum PairingDecision: Sendable, Equatable {
    case ready(DropPair)
    /// One half of a pair never got its other half within `orphanAfter`.
    case orphan(name: DropName, files: [OutboxEntry], reason: String)
    /// `NAME.xml` and `NAME.xml.gz` both present.
    case conflict(name: DropName, files: [OutboxEntry], reason: String)
    /// `entry` is a symlink, FIFO, socket, device or unreadable file; `files` is everything of
    /// that NAME present (entry included).
    case unsafe(name: DropName, entry: OutboxEntry, files: [OutboxEntry], reason: String)
    /// NAME is not valid UTF-8 or too long; the files get `name.safe` in `failed/`.
    case invalidName(name: DropName, files: [OutboxEntry], reason: String)

    public var name: DropName {
        switch self {
        case let .ready(pair): pair.name
        case let .orphan(name, _, _), let .conflict(name, _, _), let .invalidName(name, _, _): name
        case let .unsafe(name, _, _, _): name
        }
    }

    /// The files to claim or move, document first and sidecar last.
    public var files: [OutboxEntry] {
        switch self {
        case let .ready(pair): pair.files
        case let .orphan(_, files, _), let .conflict(_, files, _), let .invalidName(_, files, _): files
        case let .unsafe(_, _, files, _): files
        }
    }

    /// The refusal to report in `NAME.error.json`; nil for `ready`.
    public var failure: DropFailure? {
        switch self {
        case .ready: nil
        case let .orphan(_, _, reason), let .conflict(_, _, reason), let .invalidName(_, _, reason):
            DropFailure(stage: .pairing, reason: reason)
        case let .unsafe(_, _, _, reason): DropFailure(stage: .reading, reason: reason)
        }
    }
}
