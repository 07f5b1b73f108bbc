import AltinnClient
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
        /// One Altinn correspondence per recipient, the document as its attachment (streamed
        /// from the claimed file, or the inflated bytes of an `.xml.gz`), with its MD5.
        case correspondence(AltinnCorrespondence, document: MultipartForm.FileSource, checksum: String)
    }

    public var payload: Payload
    /// SHA-256 of the bytes as dropped (hex).
    public var contentHash: String

    /// The sidecar's channel: `nhn` or `altinn` (the ledger's `channel`).
    public var channelName: String {
        if case .correspondence = payload { return "altinn" }
        return "nhn"
    }

    /// What the ledger keeps about it. For an AppRec answer `msgId` holds the NHN message id
    /// of the message answered, and the sender is our receiving HER-id.
    var ledgerFacts: (msgId: String?, messageType: String?, sender: Int?, receivers: [Int]?) {
        switch payload {
        case .correspondence:
            (nil, nil, nil, nil)
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
        if case .altinn(let altinn)? = sidecar {
            do throws(PreparationError) {
                return try await prepareCorrespondence(drop, altinn, documentFile: documentFile)
            } catch {
                guard case .refused(let failure, _) = error else { throw error }
                throw .refused(failure, channel: "altinn")
            }
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
        let (document, hash) = try checked.mapError { PreparationError.refused($0) }.get()
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

    /// An Altinn drop: the sidecar's rules first (a refusal names the field and nothing is
    /// read further), then the document: any well-formed XML (schema-checked when its namespace
    /// has one), sent as the attachment.
    private func prepareCorrespondence(
        _ drop: DropRecord, _ sidecar: AltinnSidecar, documentFile: String
    ) async throws(PreparationError) -> PreparedDrop {
        guard config.altinn.enabled else {
            throw .refused(
                DropFailure(stage: .validation, reason: "channel \"altinn\" is disabled in the configuration (altinn.enabled: false)"))
        }
        let correspondence: AltinnCorrespondence
        do {
            correspondence = try AltinnCorrespondence.validate(
                sidecar, defaultResourceId: config.altinn.resourceId, dropName: drop.originalName)
        } catch {
            throw .refused(error)
        }
        let gzipped = documentFile.hasSuffix(".gz")
        let shownAs = drop.originalName + (gzipped ? ".xml.gz" : ".xml")
        let dropped = try await files.read(claimId: drop.claimId, file: documentFile, limit: config.outbox.maxBytes, shownAs: shownAs)
        let (validator, maxBytes) = (self.validator, config.outbox.maxBytes)
        let checked: Result<([UInt8], String, String), DropFailure>
        do {
            checked = try await io.run {
                Result { () throws(DropFailure) in
                    let xml = try DocumentCheck.checkAnyXML(dropped, gzipped: gzipped, validator: validator, maxBytes: maxBytes)
                    return (xml, Self.hexDigest(dropped), Self.md5(xml))
                }
            }
        } catch {
            throw .transient(reason: "the document could not be checked now: \(error)")
        }
        let (xml, hash, md5) = try checked.mapError { PreparationError.refused($0) }.get()
        // A plain file is streamed from the claim; the inflated bytes of a .gz are all there is.
        let source: MultipartForm.FileSource =
            if !gzipped, let path = files.claimedPath(claimId: drop.claimId, file: documentFile) {
                .file(path: path, size: dropped.count)
            } else {
                .bytes(xml)
            }
        return PreparedDrop(payload: .correspondence(correspondence, document: source, checksum: md5), contentHash: hash)
    }

    static func md5(_ bytes: [UInt8]) -> String {
        Insecure.MD5.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
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
