import Auth
import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Logging
import ServiceLifecycle
import Simulator
import XCTest

/// Key files for tests, written as `dropbridge keygen` writes them (private key mode 0600).
enum TestKeys {
    @discardableResult
    static func make(_ type: KeyGenerator.KeyType, at path: String, mode: Int = 0o600) async throws -> SigningKey {
        let pair = try KeyGenerator.generate(type)
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(pair.privateJWK).write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: path)
        try Data(pair.publicJWK).write(to: URL(fileURLWithPath: path.replacingOccurrences(of: ".jwk", with: ".public.jwk")))
        return try await SigningKey(keyFile: pair.privateJWK)
    }
}

/// A bridge in a temp folder against the in-process simulator over real loopback HTTP.
final class BridgeHarness: @unchecked Sendable {
    static let projectDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    static let samples = projectDirectory + "/samples"

    let root: String
    let simulator: NHNSimulator
    let port: Int
    var config: BridgeConfig
    private var runtime: BridgeRuntime?
    private var runTask: Task<Void, any Error>?
    private var stopSwitch: StopSwitch?

    init(
        faults: FaultSettings = FaultSettings(), authentication: AuthenticationSettings = AuthenticationSettings(),
        correspondence: CorrespondenceSettings = CorrespondenceSettings(),
        configure: (inout BridgeConfig) -> Void = { _ in }
    ) async throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("dropbridge-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        simulator = NHNSimulator(
            settings: SimulatorSettings(
                ownHerIds: [8143060], counterpartyHerIds: [8094866, 8143025], faults: faults, authentication: authentication,
                correspondence: correspondence),
            logger: Logger(label: "test.simulator"))
        port = try await simulator.start()
        // Authenticated as in production: the harness's key is registered with the simulated
        // HelseID as an operator registers one in HelseID's portal.
        let key = try await TestKeys.make(.ec, at: root + "/keys/helseid.jwk")
        await simulator.register(RegisteredClient(clientID: Self.clientID, publicKey: key.publicJWK, keyID: key.keyID))
        var config = BridgeConfig(root: root)
        config.schemas.directory = Self.samples + "/schemas"
        config.nhn.baseURL = "http://127.0.0.1:\(port)"
        config.nhn.senderHerId = 8143060
        config.nhn.receive = .off
        config.nhn.maxBackoffSeconds = 0.5
        config.helseID.tokenEndpoint = "http://127.0.0.1:\(port)/connect/token"
        config.helseID.clientId = Self.clientID
        config.helseID.privateKeyFile = root + "/keys/helseid.jwk"
        config.outbox.settleMilliseconds = 100
        config.outbox.rescanSeconds = 0.5
        config.outbox.orphanSeconds = 2
        configure(&config)
        self.config = config
    }

    static let clientID = "bridge-tests"

    /// `companions` run beside the bridge (e.g. the monitoring listener over its ledger).
    func start(
        metrics: any BridgeMetrics = NoMetrics(), diskSpace: DiskSpaceGuard? = nil,
        companions: (BridgeRuntime) -> [any Service] = { _ in [] }
    ) async throws {
        let credentials = try await Credentials.load(config, file: "test")
        let runtime = try BridgeRuntime(
            config: config, credentials: credentials, logger: Logger(label: "test.bridge"), metrics: metrics, diskSpace: diskSpace)
        let stopSwitch = StopSwitch()
        self.runtime = runtime
        self.stopSwitch = stopSwitch
        let others = companions(runtime)
        runTask = Task { try await runtime.run(logger: Logger(label: "test.group"), companions: [stopSwitch] + others, signals: []) }
    }

    /// Graceful stop, waiting for the bridge to finish.
    func stop() async throws {
        stopSwitch?.flip()
        try await runTask?.value
        runTask = nil
        // Lets go of the instance lock, as a process exit would.
        runtime = nil
    }

    func shutdown() async {
        try? await stop()
        await simulator.stop()
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The ledger, opened anew (the bridge may be stopped).
    var ledger: Ledger {
        get throws { try Ledger(path: config.stateDirectory + "/ledger.sqlite") }
    }

    // MARK: Dropping

    /// Drops like a careful producer: each file written under a dot-name and renamed in, the
    /// XML first, the sidecar last.
    func drop(_ name: String, xml: [UInt8]?, xmlSuffix: String = ".xml", sidecar: String?) throws {
        if let xml { try put(Data(xml), as: name + xmlSuffix) }
        if let sidecar { try put(Data(sidecar.utf8), as: name + ".json") }
    }

    func dropSample(_ sample: String, as name: String? = nil) throws {
        let base = Self.samples + "/outbox/" + sample
        let xml = try Data(contentsOf: URL(fileURLWithPath: base + ".xml"))
        let sidecar = try String(contentsOfFile: base + ".json", encoding: .utf8)
        try drop(name ?? sample, xml: [UInt8](xml), sidecar: sidecar)
    }

    func put(_ data: Data, as file: String) throws {
        try DaemonFixture.put(data, outbox: config.folders.outbox, as: file)
    }

    // MARK: Looking

    func files(in folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    func errorReport(_ name: String) throws -> ErrorReport {
        let data = try Data(contentsOf: URL(fileURLWithPath: config.folders.failed + "/" + name + ".error.json"))
        return try JSONDecoder().decode(ErrorReport.self, from: data)
    }

    func sentReceipt(_ name: String) throws -> SentReceipt {
        let data = try Data(contentsOf: URL(fileURLWithPath: config.folders.receipts + "/" + name + ".sent.json"))
        return try JSONDecoder().decode(SentReceipt.self, from: data)
    }

    /// Waits until `condition` holds, failing the test after `timeout`.
    func waitUntil(
        _ what: String, timeout: Duration = .seconds(20), file: StaticString = #filePath, line: UInt = #line,
        _ condition: () async throws -> Bool
    ) async throws {
        try await DaemonFixture.waitUntil(what, timeout: timeout, file: file, line: line, condition)
    }

    func waitUntilFiled(_ name: String, in folder: String, timeout: Duration = .seconds(20), file: StaticString = #filePath, line: UInt = #line) async throws {
        let marker = folder == config.folders.failed ? folder + "/" + name + ".error.json" : config.folders.receipts + "/" + name + ".sent.json"
        try await waitUntil("\(name) is in \(folder)", timeout: timeout, file: file, line: line) {
            let filed = try ledger.drop(named: name)?.filedAt != nil
            return filed && FileManager.default.fileExists(atPath: marker)
        }
    }
}

