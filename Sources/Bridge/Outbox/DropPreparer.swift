import Crypto
import Foundation
import DropbridgeCore
import Ledger
import XMLCheck

/// A claimed drop that passed every check: what will be sent, and the facts for the ledger.
public struct PreparedDrop: Sendable {
    public enum Payload: Sendable {
        /// `POST /messages` with the document: UTF-8 bytes without BOM (`businessDocument`).
        case message(ResolvedMessage, document: [UInt8])
        /// `POST /messages/{id}/apprec`: NHN builds and sends the AppRec.
        case appRec(AppRecAnswer)
    }

    public var payload: Payload
    /// SHA-256 of the bytes as dropped (hex).
    public var contentHash: String

    /// What the ledger keeps about it. For an AppRec answer `msgId` holds the NHN message id
    /// of the message answered, and the sender is our receiving HER-id.
    var ledgerFacts: (msgId: String?, messageType: String, sender: Int, receivers: [Int]?) {
        switch payload {
        case .message(let message, _):
            (message.msgId, message.messageTypeIdentificator, message.senderHerId, message.receiverHerIds)
        case .appRec(let answer):
            (answer.messageId, "APPREC", answer.receiverHerId, nil)
        }
    }
}

/// Reads, decompresses and validates a claimed drop, and resolves its metadata. Every refusal
/// is a `DropFailure` naming the stage; local trouble that passes is `.transient`. Nothing here
/// has side effects outside memory.
public struct DropPreparer: Sendable {
    public var files: any DropFileStore
    public var validator: XMLValidator
    public var config: BridgeConfig
    public var io: BlockingIO

    public init(files: any DropFileStore, validator: XMLValidator, config: BridgeConfig, io: BlockingIO) {
        self.files = files
        self.validator = validator
        self.config = config
        self.io = io
    }

    public func prepare(_ drop: DropRecord) async throws(PreparationError) -> PreparedDrop {
        if drop.isAppRecAnswer { return try await prepareAppRec(drop) }
        guard let documentFile = drop.documentFile else {
            throw .refused(DropFailure(stage: .pairing, reason: "the drop has no XML document"))
        }
        let sidecar = try await readSidecar(drop)
        if case .altinn? = sidecar {
            throw .refused(DropFailure(
                stage: .validation,
                reason: "the sidecar asks for channel \"altinn\", which this version cannot send yet; nothing was sent"))
        }
        try checkEnabled()

        let shownAs = drop.originalName + (documentFile.hasSuffix(".gz") ? ".xml.gz" : ".xml")
        let dropped = try await files.read(claimId: drop.claimId, file: documentFile, limit: config.outbox.maxBytes, shownAs: shownAs)
        // Parsing, validating and hashing are CPU work on up to 35 MB: off the cooperative pool.
        let (validator, maxBytes, gzipped) = (self.validator, config.outbox.maxBytes, documentFile.hasSuffix(".gz"))
        let checked: Result<(CheckedDocument, String), DropFailure>
        do {
            checked = try await io.run {
                Result { () throws(DropFailure) in
                    let document = try DocumentCheck.check(dropped, gzipped: gzipped, validator: validator, maxBytes: maxBytes)
                    return (document, Self.hexDigest(dropped))
                }
            }
        } catch {
            // The thread pool is gone (shutting down): nothing is wrong with the document.
            throw .transient(reason: "the document could not be checked now: \(error)")
        }
        let (document, hash) = try checked.mapError(PreparationError.refused).get()
        var nhnSidecar: NHNSidecar?
        if case .nhn(let value)? = sidecar { nhnSidecar = value }
        let message: ResolvedMessage
        do {
            message = try MessageResolver.resolve(
                sidecar: nhnSidecar, msgHead: document.msgHead, configuredSender: config.nhn.senderHerId)
        } catch {
            throw .refused(error)
        }
        return PreparedDrop(payload: .message(message, document: document.utf8), contentHash: hash)
    }

    private func checkEnabled() throws(PreparationError) {
        guard config.nhn.enabled else {
            throw .refused(
                DropFailure(stage: .validation, reason: "channel \"nhn\" is disabled in the configuration (nhn.enabled: false)"))
        }
    }

    private func prepareAppRec(_ drop: DropRecord) async throws(PreparationError) -> PreparedDrop {
        try checkEnabled()
        let file = DropFileKind.appRec.claimedFileName
        let bytes = try await files.read(claimId: drop.claimId, file: file, limit: 1_000_000, shownAs: drop.originalName + ".apprec.json")
        do {
            let answer = try AppRecAnswer.decode(bytes)
            return PreparedDrop(payload: .appRec(answer), contentHash: Self.hexDigest(bytes))
        } catch {
            throw .refused(DropFailure(stage: .validation, reason: "\(drop.originalName).apprec.json: \(error.message)"))
        }
    }

    /// SHA-256 of the bytes as dropped, in hex: the ledger's content hash.
    static func hexDigest(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
    }

    private func readSidecar(_ drop: DropRecord) async throws(PreparationError) -> Sidecar? {
        guard let sidecarFile = drop.sidecarFile else {
            guard config.outbox.sidecar == .optional else {
                throw .refused(
                    DropFailure(stage: .pairing, reason: "the drop has no sidecar NAME.json and outbox.sidecar is \"required\""))
            }
            return nil
        }
        let bytes = try await files.read(claimId: drop.claimId, file: sidecarFile, limit: 1_000_000, shownAs: drop.originalName + ".json")
        do {
            return try Sidecar.decode(bytes)
        } catch {
            throw .refused(DropFailure(stage: .validation, reason: "sidecar \(drop.originalName).json: \(error.message)"))
        }
    }
}
