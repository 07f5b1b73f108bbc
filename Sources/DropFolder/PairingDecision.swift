import DropbridgeCore

/// The timing and sidecar rules the tracker applies (docs/contract.md §3, `outbox.*`).
package struct PairingPolicy: Sendable, Equatable {
    package var sidecar: BridgeConfig.SidecarPolicy
    /// How long a file's size, mtime and inode must stay the same to count as complete.
    package var settle: Duration
    /// How long one half of a pair waits for the other before it goes to `failed/`.
    package var orphanAfter: Duration

    package init(sidecar: BridgeConfig.SidecarPolicy = .required, settleMilliseconds: Int = 500, orphanSeconds: Double = 300) {
        self.sidecar = sidecar
        self.settle = .milliseconds(settleMilliseconds)
        self.orphanAfter = .milliseconds(Int64((orphanSeconds * 1000).rounded()))
    }

    package init(_ outbox: BridgeConfig.Outbox) {
        self.init(sidecar: outbox.sidecar, settleMilliseconds: outbox.settleMilliseconds, orphanSeconds: outbox.orphanSeconds)
    }
}

/// A complete drop, ready to be claimed.
package struct DropPair: Sendable, Equatable {
    package enum Kind: Sendable, Equatable {
        /// `NAME.xml` or `NAME.xml.gz`, with `NAME.json` (absent only with `sidecar: optional`).
        case message
        /// `NAME.apprec.json` alone.
        case appRec
    }

    package let name: DropName
    package let kind: Kind
    package let document: OutboxEntry?
    package let sidecar: OutboxEntry?
    package let appRec: OutboxEntry?

    /// In claim order (`DropFileKind.claimRank`): the document first, the sidecar last.
    package var files: [OutboxEntry] {
        [document, appRec, sidecar].compactMap { $0 }.sorted { ($0.kind?.claimRank ?? .max) < ($1.kind?.claimRank ?? .max) }
    }
}

/// What the tracker decided about one NAME. Every case but `ready` is a refusal that moves
/// `files` (never opened) to `failed/` with `failure`.
package enum PairingDecision: Sendable, Equatable {
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

    package var name: DropName {
        switch self {
        case let .ready(pair): pair.name
        case let .orphan(name, _, _), let .conflict(name, _, _), let .invalidName(name, _, _): name
        case let .unsafe(name, _, _, _): name
        }
    }

    /// The files to claim or move, document first and sidecar last.
    package var files: [OutboxEntry] {
        switch self {
        case let .ready(pair): pair.files
        case let .orphan(_, files, _), let .conflict(_, files, _), let .invalidName(_, files, _): files
        case let .unsafe(_, _, files, _): files
        }
    }

    /// The refusal to report in `NAME.error.json`; nil for `ready`.
    package var failure: DropFailure? {
        switch self {
        case .ready: nil
        case let .orphan(_, _, reason), let .conflict(_, _, reason), let .invalidName(_, _, reason):
            DropFailure(stage: .pairing, reason: reason)
        case let .unsafe(_, _, _, reason): DropFailure(stage: .reading, reason: reason)
        }
    }
}
