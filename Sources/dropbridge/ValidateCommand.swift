import ArgumentParser
import Bridge
import DropbridgeCore
import Foundation
import Operations
import XMLCheck

/// `dropbridge validate FILE...`: the same checks `run` makes before sending.
struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Validate XML drops exactly as `run` would; prints FILE:LINE:COL: message.")

    @Argument(help: "XML files (.xml or .xml.gz).")
    var files: [String]

    @Option(help: "Configuration file (for schemas.directory, schemas.require and outbox.maxBytes).")
    var config: String?

    @Option(help: "A schema folder to use instead of the configuration's.")
    var schemas: String?

    @OptionGroup var log: LogOptions

    func run() async throws {
        LogSetup.bootstrap(level: .info, format: log.logFormat)
        var settings = BridgeConfig(root: "/nonexistent")
        if let config {
            do {
                settings = try await ConfigLoader.load(file: config)
            } catch {
                printError("\(error)")
                throw ExitCode(ExitStatus.config)
            }
        }
        if let schemas { settings.schemas.directory = schemas }
        let schemaSet: SchemaSet?
        if config == nil && schemas == nil {
            schemaSet = nil
        } else {
            do {
                schemaSet = try SchemaSet.compile(directory: settings.schemas.directory)
            } catch {
                printError("\(settings.schemas.directory): \(error)")
                throw ExitCode(ExitStatus.unavailable)
            }
        }
        let validator = XMLValidator(
            schemas: schemaSet, requireSchema: schemaSet != nil && settings.schemas.require,
            maxBytes: settings.outbox.maxBytes)
        var allValid = true
        for file in files {
            // The document first, judged as its channel judges it; then the sidecar's rules.
            let result = check(file: file, validator: validator, maxBytes: settings.outbox.maxBytes, altinn: isAltinn(file)).flatMap {
                summary in checkSidecar(besides: file, settings: settings).map { summary + $0.summary }
            }
            switch result {
            case .success(let summary):
                print(ConsoleText.line("\(file): valid\(summary)"))
            case .failure(let failure):
                allValid = false
                if failure.errors.isEmpty {
                    print(ConsoleText.line("\(file): \(failure.reason)"))
                } else {
                    for error in failure.errors {
                        print(ConsoleText.line("\(file):\(error.line ?? 0):\(error.column ?? 0): \(error.message)"))
                    }
                }
            }
        }
        if schemaSet == nil {
            printError("note: no schemas given (--schemas DIR or --config FILE): checked well-formedness only")
        }
        if !allValid { throw ExitCode(ExitStatus.validationFailed) }
    }

    /// Whether the sidecar beside `file` asks for Altinn (whose attachment is any XML).
    private func isAltinn(_ file: String) -> Bool {
        var base = file
        for suffix in [".xml.gz", ".xml"] where base.hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
            break
        }
        guard base != file, let data = FileManager.default.contents(atPath: base + ".json"),
            case .altinn? = try? Sidecar.decode([UInt8](data))
        else { return false }
        return true
    }

    struct SidecarSummary {
        var summary: String
        var isAltinn: Bool
    }

    /// The drop's sidecar `NAME.json`, if it lies beside the file, checked as the bridge would:
    /// strict decoding and, with the document, the sender and message-type rules (NHN), or every
    /// rule of the Altinn sidecar (`AltinnCorrespondence.validate`, as `run` applies it).
    private func checkSidecar(besides file: String, settings: BridgeConfig) -> Result<SidecarSummary, DropFailure> {
        var base = file
        for suffix in [".xml.gz", ".xml"] where base.hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
            break
        }
        let sidecarPath = base + ".json"
        guard base != file, let data = FileManager.default.contents(atPath: sidecarPath) else {
            return .success(SidecarSummary(summary: "", isAltinn: false))
        }
        do {
            let sidecar = try Sidecar.decode([UInt8](data))
            switch sidecar {
            case .altinn(let altinn):
                guard settings.altinn.enabled || config == nil else {
                    return .failure(DropFailure(stage: .validation, reason: "\(sidecarPath): channel \"altinn\" is disabled in the configuration (altinn.enabled: false)"))
                }
                let name = ((base as NSString).lastPathComponent)
                do {
                    let resolved = try AltinnCorrespondence.validate(altinn, defaultResourceId: settings.altinn.resourceId, dropName: name)
                    return .success(SidecarSummary(
                        summary: ", sidecar ok (altinn, \(resolved.recipients.count) recipient(s), resource \(resolved.resourceId))",
                        isAltinn: true))
                } catch {
                    return .failure(DropFailure(stage: .validation, reason: "\(sidecarPath): \(error.reason)"))
                }
            case .nhn(let nhn):
                let document = try? Data(contentsOf: URL(fileURLWithPath: file))
                let head = document.flatMap {
                    try? DocumentCheck.check([UInt8]($0), gzipped: file.hasSuffix(".gz"), validator: XMLValidator(schemas: nil, requireSchema: false), maxBytes: settings.outbox.maxBytes).msgHead
                }
                do {
                    _ = try MessageResolver.resolve(sidecar: nhn, msgHead: head, configuredSender: settings.nhn.senderHerId)
                } catch {
                    return .failure(DropFailure(stage: .validation, reason: "\(sidecarPath): \(error.reason)"))
                }
                return .success(SidecarSummary(summary: ", sidecar ok", isAltinn: false))
            }
        } catch {
            return .failure(DropFailure(stage: .validation, reason: "\(sidecarPath): \(error.message)"))
        }
    }

    private func check(file: String, validator: XMLValidator, maxBytes: Int, altinn: Bool) -> Result<String, DropFailure> {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            attributes[.type] as? FileAttributeType == .typeRegular
        else {
            return .failure(DropFailure(stage: .reading, reason: "not a readable regular file"))
        }
        if let size = attributes[.size] as? Int, size > maxBytes {
            return .failure(DropFailure(stage: .reading, reason: "the file is \(size) bytes, over outbox.maxBytes (\(maxBytes))"))
        }
        guard let data = FileManager.default.contents(atPath: file) else {
            return .failure(DropFailure(stage: .reading, reason: "the file cannot be read"))
        }
        if altinn {
            // An Altinn attachment is any well-formed XML, as `run` checks it.
            do {
                _ = try DocumentCheck.checkAnyXML([UInt8](data), gzipped: file.hasSuffix(".gz"), validator: validator, maxBytes: maxBytes)
                return .success("")
            } catch {
                return .failure(error)
            }
        }
        let document: CheckedDocument
        do {
            document = try DocumentCheck.check([UInt8](data), gzipped: file.hasSuffix(".gz"), validator: validator, maxBytes: maxBytes)
        } catch {
            return .failure(error)
        }
        var summary = ""
        if let head = document.msgHead {
            summary = " (MsgHead \(head.messageType ?? "?"), MsgId \(head.msgId ?? "?"), from HER \(head.senderHerId.map(String.init) ?? "?") to HER \(head.receiverHerId.map(String.init) ?? "?"))"
        } else if let receipt = document.appRec {
            summary = " (AppRec for MsgId \(receipt.originalMsgId ?? "?"), status \(receipt.status ?? "?"))"
        }
        return .success(summary)
    }
}

func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}
