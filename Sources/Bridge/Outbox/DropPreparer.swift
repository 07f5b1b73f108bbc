import AltinnClient
import Crypto
import Foundation
import DropbridgeCore
import Ledger
import NHNClient
import XMLCheck

/// A claimed drop that passed every check: what will be sent, and the facts for the ledger.
package struct PreparedDrop: Sendable {
    package enum Payload: Sendable {
        /// `POST /messages` with the document (`businessDocument`): UTF-8 without BOM, in memory
        /// or read from the claimed file while the request is written.
        case message(ResolvedMessage, document: BusinessDocument)
        /// `POST /messages/{id}/apprec`: NHN builds and sends the AppRec.
        case appRec(AppRecAnswer)
        /// One Altinn correspondence per recipient, the document as its attachment (streamed
        /// from the claimed file, or the inflated bytes of an `.xml.gz`), with its MD5.
        case correspondence(AltinnCorrespondence, document: MultipartForm.FileSource, checksum: String)
    }

    package var payload: Payload
    /// SHA-256 of the bytes as dropped (hex).
    package var contentHash: String

    /// The sidecar's channel: `nhn` or `altinn` (the ledger's `channel`).
    package var channelName: String {
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
package struct DropPreparer: Sendable {
    package var files: any DropFileStore
    package var validator: XMLValidator
    package var config: BridgeConfig
    package var io: BlockingIO

    package init(files: any DropFileStore, validator: XMLValidator, config: BridgeConfig, io: BlockingIO) {
        self.files = files
        self.validator = validator
        self.config = config
        self.io = io
    }

    package func prepare(_ drop: DropRecord) async throws(PreparationError) -> PreparedDrop {
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

        let (document, payload, hash) = try await checkNHNDocument(drop, documentFile: documentFile)
        var nhnSidecar: NHNSidecar?
        if case .nhn(let value)? = sidecar { nhnSidecar = value }
        let message: ResolvedMessage
        do {
            message = try MessageResolver.resolve(
                sidecar: nhnSidecar, msgHead: document.msgHead, configuredSender: config.nhn.senderHerId)
        } catch {
            throw .refused(error)
        }
        return PreparedDrop(payload: .message(message, document: payload), contentHash: hash)
    }

    /// Reads and checks an NHN document: the checked facts, the bytes to send and the content
    /// hash. A plain claimed file is parsed as it is read (only libxml2's tree is in memory,
    /// freed before this returns) and is sent from the file; a `.gz`, a store without files or a
    /// document re-encoded as UTF-8 is held in memory.
    private func checkNHNDocument(
        _ drop: DropRecord, documentFile: String
    ) async throws(PreparationError) -> (CheckedDocument, BusinessDocument, String) {
        let gzipped = documentFile.hasSuffix(".gz")
        let shownAs = drop.originalName + (gzipped ? ".xml.gz" : ".xml")
        let (files, validator, maxBytes, claimId) = (self.files, self.validator, config.outbox.maxBytes, drop.claimId)
        // Parsing, validating and hashing are CPU work on up to 35 MB: off the cooperative pool.
        if !gzipped {
            let streamed: Result<(CheckedDocument, BusinessDocument, String), PreparationError>?
            do {
                streamed = try await io.run {
                    files.openForReading(claimId: claimId, file: documentFile, limit: maxBytes, shownAs: shownAs)
                        .map { opened in opened.flatMap { Self.check(opened: $0, validator: validator) } }
                }
            } catch {
                // The thread pool is gone (shutting down): nothing is wrong with the document.
                throw .transient(reason: "the document could not be checked now: \(error)")
            }
            if let streamed { return try streamed.get() }
        }
        let dropped = try await files.read(claimId: claimId, file: documentFile, limit: maxBytes, shownAs: shownAs)
        let checked: Result<(CheckedDocument, String), DropFailure>
        do {
            checked = try await io.run {
                Result { () throws(DropFailure) in
                    let document = try DocumentCheck.check(dropped, gzipped: gzipped, validator: validator, maxBytes: maxBytes)
                    return (document, Self.hexDigest(dropped))
                }
            }
        } catch {
            throw .transient(reason: "the document could not be checked now: \(error)")
        }
        let (document, hash) = try checked.mapError { PreparationError.refused($0) }.get()
        return (document, .memory(document.utf8), hash)
    }

    /// The check of a claimed file as it is read. What is sent later is read from the same
    /// path: the claim directory is the bridge's own (nothing else writes there), and the body
    /// hashes the file again as it sends it and stops short of its end if it is not the file
    /// checked here (`ClaimedDocumentFile`).
    private static func check(
        opened handle: ClaimedFileHandle, validator: XMLValidator
    ) -> Result<(CheckedDocument, BusinessDocument, String), PreparationError> {
        let document: CheckedDocument
        do {
            switch try DocumentCheck.check(size: handle.size, streaming: handle, validator: validator) {
            case .failure(let refusal): return .failure(.refused(refusal))
            case .success(let checked): document = checked
            }
        } catch {
            return .failure(handle.readFailure(error))
        }
        return handle.finish().map { sha256 in
            let payload: BusinessDocument =
                if let offset = document.sourceOffset {
                    .file(ClaimedDocumentFile(
                        path: handle.path, size: handle.size, skip: offset, sha256: sha256, prefix: document.sourcePrefix))
                } else {
                    .memory(document.utf8)
                }
            return (document, payload, hex(sha256))
        }
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
        let (files, validator, maxBytes, claimId) = (self.files, self.validator, config.outbox.maxBytes, drop.claimId)
        if !gzipped {
            // A plain claimed file is checked as it is read and uploaded from the file: never whole in memory.
            let streamed: Result<(path: String, size: Int, sha256: String, md5: String), PreparationError>?
            do {
                streamed = try await io.run {
                    files.openForReading(claimId: claimId, file: documentFile, limit: maxBytes, shownAs: shownAs)
                        .map { opened in opened.flatMap { Self.checkAttachment(opened: $0, validator: validator) } }
                }
            } catch {
                throw .transient(reason: "the document could not be checked now: \(error)")
            }
            if let streamed {
                let file = try streamed.get()
                return PreparedDrop(
                    payload: .correspondence(correspondence, document: .file(path: file.path, size: file.size), checksum: file.md5),
                    contentHash: file.sha256)
            }
        }
        let dropped = try await files.read(claimId: drop.claimId, file: documentFile, limit: config.outbox.maxBytes, shownAs: shownAs)
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

    /// The Altinn attachment's check as the claimed file is read, with its SHA-256 and MD5
    /// taken in the same pass.
    private static func checkAttachment(
        opened handle: ClaimedFileHandle, validator: XMLValidator
    ) -> Result<(path: String, size: Int, sha256: String, md5: String), PreparationError> {
        handle.alsoTakeMD5()
        do {
            if let refusal = try DocumentCheck.checkAnyXML(size: handle.size, streaming: handle, validator: validator) {
                return .failure(.refused(refusal))
            }
        } catch {
            return .failure(handle.readFailure(error))
        }
        return handle.finish().map { sha256 in (handle.path, handle.size, hex(sha256), handle.md5Hex ?? "") }
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
        hex(Array(SHA256.hash(data: bytes)))
    }

    static func hex(_ digest: [UInt8]) -> String {
        digest.map { String(format: "%02x", $0) }.joined()
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
