import ArgumentParser
import Bridge
import DropbridgeCore
import Foundation
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
            let result = check(file: file, validator: validator, maxBytes: settings.outbox.maxBytes).flatMap {
                summary in checkSidecar(besides: file, settings: settings).map { summary + $0 }
            }
            switch result {
            case .success(let summary):
                print("\(file): valid\(summary)")
            case .failure(let failure):
                allValid = false
                if failure.errors.isEmpty {
                    print("\(file): \(failure.reason)")
                } else {
                    for error in failure.errors {
                        print("\(file):\(error.line ?? 0):\(error.column ?? 0): \(error.message)")
                    }
                }
            }
        }
        if schemaSet == nil {
            printError("note: no schemas given (--schemas DIR or --config FILE): checked well-formedness only")
        }
        if !allValid { throw ExitCode(ExitStatus.validationFailed) }
    }

    /// The drop's sidecar `NAME.json`, if it lies beside the file, checked as the bridge would:
    /// strict decoding and, with the document, the sender and message-type rules.
    private func checkSidecar(besides file: String, settings: BridgeConfig) -> Result<String, DropFailure> {
        var base = file
        for suffix in [".xml.gz", ".xml"] where base.hasSuffix(suffix) {
            base = String(base.dropLast(suffix.count))
            break
        }
        let sidecarPath = base + ".json"
        guard base != file, let data = FileManager.default.contents(atPath: sidecarPath) else { return .success("") }
        do {
            let sidecar = try Sidecar.decode([UInt8](data))
            guard case .nhn(let nhn) = sidecar else { return .success(", sidecar ok (channel \(sidecar.channel))") }
            let document = try? Data(contentsOf: URL(fileURLWithPath: file))
            let head = document.flatMap {
                try? DocumentCheck.check([UInt8]($0), gzipped: file.hasSuffix(".gz"), validator: XMLValidator(schemas: nil, requireSchema: false), maxBytes: settings.outbox.maxBytes).msgHead
            }
            do {
                _ = try MessageResolver.resolve(sidecar: nhn, msgHead: head, configuredSender: settings.nhn.senderHerId)
            } catch {
                return .failure(DropFailure(stage: .validation, reason: "\(sidecarPath): \(error.reason)"))
            }
            return .success(", sidecar ok")
        } catch {
            return .failure(DropFailure(stage: .validation, reason: "\(sidecarPath): \(error.message)"))
        }
    }

    private func check(file: String, validator: XMLValidator, maxBytes: Int) -> Result<String, DropFailure> {
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
