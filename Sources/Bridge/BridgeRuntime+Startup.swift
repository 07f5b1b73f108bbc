import AsyncHTTPClient
import DropFolder
import DropbridgeCore
import Ledger
import Logging
import NHNClient
import XMLCheck

extension BridgeRuntime {
    package enum StartupError: Error, CustomStringConvertible {
        case folders(String)
        case schemas(String)
        case ledger(String)
        case locked(String)

        package var description: String {
            switch self {
            case .locked(let message): message
            case .folders(let message): "folders: \(message)"
            case .schemas(let message): "schemas: \(message)"
            case .ledger(let message): "ledger: \(message)"
            }
        }
    }

    /// What must hold before any service starts, in this order: the folders exist (or are
    /// made), no other bridge holds the state directory, the schema set compiles (or is not
    /// required), the ledger opens and migrates.
    struct StartupChecks {
        let lock: InstanceLock
        let schemaSet: SchemaSet?
        let ledger: Ledger

        init(config: BridgeConfig, logger: Logger) throws {
            do {
                try FolderLayout.prepare(config)
            } catch {
                throw StartupError.folders("\(error)")
            }
            do {
                lock = try InstanceLock(path: config.stateDirectory + "/lock")
            } catch {
                throw StartupError.locked("\(error)")
            }
            do {
                schemaSet = try SchemaSet.compile(directory: config.schemas.directory)
            } catch {
                if config.schemas.require {
                    throw StartupError.schemas("\(config.schemas.directory): \(error) (set schemas.require: false to check well-formedness only)")
                }
                logger.warning("no schema set: checking well-formedness only", metadata: ["reason": "\(error)"])
                schemaSet = nil
            }
            do {
                ledger = try Ledger(path: config.stateDirectory + "/ledger.sqlite")
            } catch {
                throw StartupError.ledger("\(config.stateDirectory)/ledger.sqlite: \(error)")
            }
        }
    }

    /// One HTTP client for NHN, HelseID, Maskinporten and Altinn: refused connections reported
    /// at once (not retried inside the client), no redirects.
    static func makeHTTPClient() -> HTTPClient {
        var configuration = NHNClient.recommendedHTTPClientConfiguration()
        // Set field by field: a new `connectionPool` value would bring back the retried connection
        // establishment the recommended configuration turns off. Room for the outbound gate (32),
        // the inbound worker (`NotificationWorker.limit`, 32) and the notification stream at once:
        // a call waiting for a pooled connection is latency that no CPU is spent on.
        configuration.connectionPool.idleTimeout = .seconds(60)
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 72
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// What the outbound and inbound sides share: the blocking-I/O pool, the drop files, the
    /// memory budget, durable writes, the receipt writer and the document validator.
    struct SharedParts {
        let ledger: Ledger
        let metrics: any BridgeMetrics
        let io: BlockingIO
        let store: FolderDropFileStore
        let memoryBudget: ByteBudget
        let durable: DurableFiles
        let receipts: ReceiptWriter
        let validator: XMLValidator

        init(config: BridgeConfig, ledger: Ledger, schemaSet: SchemaSet?, metrics: any BridgeMetrics) {
            self.ledger = ledger
            self.metrics = metrics
            io = BlockingIO.started(threads: 64)
            store = FolderDropFileStore(config: config, io: io)
            memoryBudget = ByteBudget(capacity: config.memory.inFlightBytes)
            durable = DurableFiles(config: config)
            receipts = ReceiptWriter(receipts: config.folders.receipts, durable: durable)
            validator = XMLValidator(
                schemas: schemaSet, requireSchema: config.schemas.require && schemaSet != nil, maxBytes: config.outbox.maxBytes)
        }
    }
}
