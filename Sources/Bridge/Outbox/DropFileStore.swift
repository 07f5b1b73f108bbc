import DropFolder
import DropbridgeCore
import Ledger

/// The files of claimed drops, and where they go once the drop is answered. The outbox
/// pipeline only talks to this seam; `FolderDropFileStore` is the real one.
package protocol DropFileStore: Sendable {
    /// Reads one claimed file, refusing (stage `reading`) anything that is not a regular file or
    /// is larger than `limit` bytes, before reading it. Local trouble that passes (EMFILE,
    /// ENOSPC, EIO, …) is `.transient`, never a refusal.
    /// `shownAs` is the name the operator knows the file by, for the refusal's reason.
    func read(claimId: String, file: String, limit: Int, shownAs: String) async throws(PreparationError) -> [UInt8]
    /// The claimed file's size and, for a `.gz`, the size it says it inflates to (its trailer),
    /// for the memory estimate before reading; nil when it cannot be told (the read then says why).
    func size(claimId: String, file: String) async -> ClaimedFileSize?
    /// The name the drop's files take in `destination` (NAME, or NAME~n if it is taken there),
    /// chosen once and kept by the claim; to be recorded in the ledger before `fileAs…` moves
    /// anything. Once the claim is gone: `drop.releasedAs`, else `drop.name`.
    func releaseName(for drop: DropRecord, to destination: DropDestination) async throws -> String
    /// `sent/<name>.*` and `receipts/<name><receiptSuffix>` (`.sent.json`, `.apprec-sent.json`);
    /// releases the claim. Idempotent: after a crash half-way it completes what is left.
    func fileAsSent(_ drop: DropRecord, as name: String, receipt: [UInt8], receiptSuffix: String) async throws
    /// `failed/<name>.*` and `failed/<name>.error.json`; releases the claim. Idempotent.
    func fileAsFailed(_ drop: DropRecord, as name: String, report: [UInt8]) async throws
    /// `receipts/<fileName>`, created once (a partly refused Altinn drop's `sent.json`). Idempotent.
    func writeReceipt(_ bytes: [UInt8], named fileName: String) async throws
    /// Where a claimed file lies, for a channel that streams it instead of holding it; nil when
    /// the store keeps no files on disk.
    func claimedPath(claimId: String, file: String) -> String?
    /// Opens one claimed file to be read in pieces (the document check reads it as it parses),
    /// with `read`'s refusals; nil when the store keeps no files on disk (then `read` is used).
    /// Blocking: call it off the cooperative pool.
    func openForReading(claimId: String, file: String, limit: Int, shownAs: String) -> Result<ClaimedFileHandle, PreparationError>?
}

extension DropFileStore {
    package func claimedPath(claimId: String, file: String) -> String? { nil }
    package func openForReading(claimId: String, file: String, limit: Int, shownAs: String) -> Result<ClaimedFileHandle, PreparationError>? {
        nil
    }
}

/// Where an answered drop's files go.
package enum DropDestination: Sendable, Equatable {
    case sent
    case failed
}

package struct ClaimedFileSize: Sendable, Equatable {
    package var bytes: Int
    /// A gzip file's ISIZE (the inflated size modulo 2^32, as the file claims it).
    package var inflatedBytes: Int?

    package init(bytes: Int, inflatedBytes: Int? = nil) {
        self.bytes = bytes
        self.inflatedBytes = inflatedBytes
    }
}

extension DropRecord {
    /// The claimed document (`document.xml` or `document.xml.gz`), if the drop has one.
    var documentFile: String? {
        files.first { $0.hasSuffix(".xml") || $0.hasSuffix(".xml.gz") }
    }

    /// The claimed sidecar, if the drop has one.
    var sidecarFile: String? {
        files.first { $0 == DropFileKind.sidecar.claimedFileName }
    }

    package var isAppRecAnswer: Bool {
        files.contains(DropFileKind.appRec.claimedFileName)
    }
}
