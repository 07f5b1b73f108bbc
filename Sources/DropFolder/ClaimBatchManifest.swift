import DropbridgeCore
import Foundation

/// `<work>/.batch-<batchId>.claiming`, renamed to `….claim` once every move of the batch is
/// durable: what one scan's claims hold, written once for all of them before the first file
/// moves. While it is `.claiming`, recovery finishes the moves (files named here but still in
/// the outbox are moved in); once it is `.claim`, nothing is ever taken from the outbox for it
/// again (a drop released since may have a newer namesake there). Each member still has its own
/// claim directory `<work>/<claimId>/`, without a manifest of its own.
struct ClaimBatchManifest: Codable, Sendable, Equatable {
    struct File: Codable, Sendable, Equatable {
        var kind: String
        /// The entry name in the outbox, hex-encoded.
        var original: String
        /// The inode the scan saw: recovery moves in only that file, never a newer namesake.
        var inode: UInt64

        var dropFileKind: DropFileKind? { DropFileKind(rawValue: kind) }
        var originalName: [UInt8] { ClaimManifest.unhex(original) }
    }

    struct Member: Codable, Sendable, Equatable {
        var claimId: String
        /// NAME, hex-encoded.
        var name: String
        /// In claim order: document first, sidecar last.
        var files: [File]

        var dropName: DropName { DropName(bytes: ClaimManifest.unhex(name)) }
        var kinds: [DropFileKind] { files.compactMap(\.dropFileKind) }
    }

    var members: [Member]

    static let prefix = ".batch-"
    static let claimingSuffix = ".claiming"
    static let claimedSuffix = ".claim"

    static func fileName(batchId: String, complete: Bool) -> String {
        prefix + batchId + (complete ? claimedSuffix : claimingSuffix)
    }

    /// The batch id and whether the claim finished, for a name in `<work>`; nil for other names.
    static func parse(_ entryName: [UInt8]) -> (batchId: String, complete: Bool)? {
        guard let name = String(validating: entryName, as: UTF8.self), name.hasPrefix(prefix) else { return nil }
        let rest = name.dropFirst(prefix.count)
        for (suffix, complete) in [(claimingSuffix, false), (claimedSuffix, true)] where rest.hasSuffix(suffix) {
            let id = String(rest.dropLast(suffix.count))
            return id.isEmpty ? nil : (id, complete)
        }
        return nil
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return Array(try encoder.encode(self))
    }

    static func decode(_ bytes: [UInt8]) throws -> ClaimBatchManifest {
        try JSONDecoder().decode(ClaimBatchManifest.self, from: Data(bytes))
    }
}
