import Configuration
import DropbridgeCore
import Foundation
import SystemPackage

/// A configuration problem: names the key, the file and what is expected. `dropbridge` exits 78.
package struct ConfigurationError: Error, CustomStringConvertible, Sendable {
    package var file: String
    package var key: String?
    package var message: String

    package var description: String {
        if let key { return "\(file): \(key): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads the contract's YAML (or JSON) config through swift-configuration, with environment
/// overrides `DROPBRIDGE_<KEY>` (e.g. `DROPBRIDGE_NHN_BASEURL`). A key of the wrong type is an
/// error, never silently replaced by its default.
package enum ConfigLoader {
    package static func load(file: String, environment: [String: String] = ProcessInfo.processInfo.environment)
        async throws(ConfigurationError) -> BridgeConfig
    {
        let fileProvider: any ConfigProvider
        do {
            if file.hasSuffix(".json") {
                fileProvider = try await FileProvider<JSONSnapshot>(filePath: FilePath(file))
            } else {
                fileProvider = try await FileProvider<YAMLSnapshot>(filePath: FilePath(file))
            }
        } catch {
            throw ConfigurationError(file: file, key: nil, message: "cannot read the configuration: \(error)")
        }
        if let text = try? String(contentsOfFile: file, encoding: .utf8) {
            let unknown = ConfigKeys.unknown(inYAML: text)
            if let first = unknown.first {
                throw ConfigurationError(
                    file: file, key: first,
                    message: "is not a configuration key (check the spelling)"
                        + (unknown.count > 1 ? "; also unknown: \(unknown.dropFirst().joined(separator: ", "))" : ""))
            }
        }
        var overrides: [String: String] = [:]
        for (name, value) in environment where name.hasPrefix("DROPBRIDGE_") {
            overrides[String(name.dropFirst("DROPBRIDGE_".count))] = value
        }
        let reader = ConfigReader(providers: [
            EnvironmentVariablesProvider(environmentVariables: overrides), fileProvider,
        ])
        let relativeBase = URL(fileURLWithPath: file).deletingLastPathComponent().path
        return try ConfigValues(reader: reader, file: file, relativeBase: relativeBase).bridgeConfig()
    }
}

/// Typed access to one reader, turning conversion failures into `ConfigurationError`s.
struct ConfigValues {
    let reader: ConfigReader
    let file: String
    /// Relative paths in the file are taken relative to the file's folder.
    let relativeBase: String

    func bridgeConfig() throws(ConfigurationError) -> BridgeConfig {
        guard let root = try string("root") else {
            throw ConfigurationError(file: file, key: "root", message: "is required (the folder holding outbox/, inbox/, …)")
        }
        var config = BridgeConfig(root: path(root))
        let defaults = BridgeConfig.Folders(root: config.root)
        config.folders.outbox = try string("folders.outbox").map(path) ?? defaults.outbox
        config.folders.inbox = try string("folders.inbox").map(path) ?? defaults.inbox
        config.folders.receipts = try string("folders.receipts").map(path) ?? defaults.receipts
        config.folders.sent = try string("folders.sent").map(path) ?? defaults.sent
        config.folders.failed = try string("folders.failed").map(path) ?? defaults.failed
        if let mode = try string("fileMode") {
            guard let value = UInt32(mode.hasPrefix("0o") ? String(mode.dropFirst(2)) : mode, radix: 8), value <= 0o777 else {
                throw ConfigurationError(file: file, key: "fileMode", message: "must be an octal mode such as \"0640\", not \"\(mode)\"")
            }
            config.fileMode = value
        }
        if let mode = try string("folderMode") {
            // Owner rwx is needed by dropbridge itself; setuid means nothing on a folder.
            guard let value = UInt32(mode.hasPrefix("0o") ? String(mode.dropFirst(2)) : mode, radix: 8),
                  value <= 0o3777, value & 0o700 == 0o700 else {
                throw ConfigurationError(
                    file: file, key: "folderMode",
                    message: "must be an octal folder mode with rwx for the owner, such as \"2750\" (setgid and sticky allowed), not \"\(mode)\"")
            }
            config.folderMode = value
        }

        config.outbox.sidecar = try choice("outbox.sidecar") ?? config.outbox.sidecar
        config.outbox.settleMilliseconds = try int("outbox.settleMilliseconds", min: 0) ?? config.outbox.settleMilliseconds
        config.outbox.orphanSeconds = try double("outbox.orphanSeconds", min: 0) ?? config.outbox.orphanSeconds
        config.outbox.rescanSeconds = try double("outbox.rescanSeconds", min: 0.05) ?? config.outbox.rescanSeconds
        config.outbox.inotify = try choice("outbox.inotify") ?? config.outbox.inotify
        config.outbox.maxBytes = try int("outbox.maxBytes", min: 1) ?? config.outbox.maxBytes

        config.schemas.directory = try string("schemas.directory").map(path) ?? config.schemas.directory
        config.schemas.require = try bool("schemas.require") ?? config.schemas.require

        config.nhn.enabled = try bool("nhn.enabled") ?? config.nhn.enabled
        config.nhn.baseURL = try string("nhn.baseURL") ?? config.nhn.baseURL
        try requireURL("nhn.baseURL", config.nhn.baseURL)
        config.nhn.sourceSystem = try string("nhn.sourceSystem") ?? config.nhn.sourceSystem
        try requireHeaderText("nhn.sourceSystem", config.nhn.sourceSystem)
        config.nhn.applicationName = try string("nhn.applicationName") ?? config.nhn.applicationName
        config.nhn.applicationVersion = try string("nhn.applicationVersion") ?? config.nhn.applicationVersion
        config.nhn.senderHerId = try int("nhn.senderHerId", min: 1)
        config.nhn.herIds = try intArray("nhn.herIds") ?? config.nhn.herIds
        config.nhn.receive = try choice("nhn.receive") ?? config.nhn.receive
        config.nhn.pollSeconds = try double("nhn.pollSeconds", min: 1) ?? config.nhn.pollSeconds
        config.nhn.autoAppRec = try bool("nhn.autoAppRec") ?? config.nhn.autoAppRec
        config.nhn.requestTimeoutSeconds = try double("nhn.requestTimeoutSeconds", min: 1) ?? config.nhn.requestTimeoutSeconds
        config.nhn.maxBackoffSeconds = try double("nhn.maxBackoffSeconds", min: 1) ?? config.nhn.maxBackoffSeconds
        config.nhn.streamIdleSeconds = try double("nhn.streamIdleSeconds", min: 0.5) ?? config.nhn.streamIdleSeconds
        config.nhn.uncertainSeconds = try double("nhn.uncertainSeconds", min: 0) ?? config.nhn.uncertainSeconds

        config.helseID.enabled = try bool("helseid.enabled") ?? config.helseID.enabled
        config.helseID.tokenEndpoint = try string("helseid.tokenEndpoint") ?? config.helseID.tokenEndpoint
        config.helseID.issuer = try string("helseid.issuer")
        config.helseID.clientId = try string("helseid.clientId") ?? config.helseID.clientId
        config.helseID.privateKeyFile = try string("helseid.privateKeyFile").map(path) ?? config.helseID.privateKeyFile
        config.helseID.keyId = try string("helseid.keyId")
        config.helseID.scope = try string("helseid.scope") ?? config.helseID.scope
        if config.helseID.enabled {
            try requireURL("helseid.tokenEndpoint", config.helseID.tokenEndpoint)
        }

        config.altinn.enabled = try bool("altinn.enabled") ?? config.altinn.enabled
        config.altinn.baseURL = try string("altinn.baseURL") ?? config.altinn.baseURL
        config.altinn.resourceId = try string("altinn.resourceId") ?? config.altinn.resourceId
        config.altinn.maxPollSeconds = try double("altinn.maxPollSeconds", min: 1) ?? config.altinn.maxPollSeconds
        if let parallel = try int("altinn.parallelUploads", min: 1) {
            guard parallel <= 16 else { throw ConfigurationError(file: file, key: "altinn.parallelUploads", message: "must be at most 16") }
            config.altinn.parallelUploads = parallel
        }
        let maskinporten = "altinn.maskinporten."
        config.altinn.maskinporten.tokenEndpoint = try string(maskinporten + "tokenEndpoint") ?? config.altinn.maskinporten.tokenEndpoint
        config.altinn.maskinporten.audience = try string(maskinporten + "audience") ?? config.altinn.maskinporten.audience
        config.altinn.maskinporten.clientId = try string(maskinporten + "clientId") ?? config.altinn.maskinporten.clientId
        config.altinn.maskinporten.privateKeyFile =
            try string(maskinporten + "privateKeyFile").map(path) ?? config.altinn.maskinporten.privateKeyFile
        config.altinn.maskinporten.keyId = try string(maskinporten + "keyId")
        config.altinn.maskinporten.scope = try string(maskinporten + "scope") ?? config.altinn.maskinporten.scope
        if config.altinn.enabled {
            try requireURL("altinn.baseURL", config.altinn.baseURL)
            try requireURL(maskinporten + "tokenEndpoint", config.altinn.maskinporten.tokenEndpoint)
        }

        config.metricsListen = try string("metrics.listen") ?? config.metricsListen
        if !config.metricsListen.isEmpty, ListenAddress(config.metricsListen) == nil {
            throw ConfigurationError(
                file: file, key: "metrics.listen",
                message: "must be HOST:PORT (e.g. 127.0.0.1:9464), or empty for off, not \"\(config.metricsListen)\"")
        }
        config.alerts.stuckSeconds = try double("alerts.stuckSeconds", min: 0) ?? config.alerts.stuckSeconds
        config.alerts.inboxSeconds = try double("alerts.inboxSeconds", min: 0) ?? config.alerts.inboxSeconds
        config.alerts.silentStreamSeconds = try double("alerts.silentStreamSeconds", min: 0) ?? config.alerts.silentStreamSeconds
        config.alerts.unreachableSeconds = try double("alerts.unreachableSeconds", min: 0) ?? config.alerts.unreachableSeconds
        config.alerts.minFreeBytes = try int("alerts.minFreeBytes", min: 0) ?? config.alerts.minFreeBytes
        config.memory.inFlightBytes = try int("memory.inFlightBytes", min: 1_000_000) ?? config.memory.inFlightBytes
        config.ledger.keepDays = try int("ledger.keepDays", min: 1) ?? config.ledger.keepDays
        return config
    }

    // MARK: Checks

    private func requireURL(_ key: String, _ value: String) throws(ConfigurationError) {
        guard let url = URL(string: value), url.scheme == "https" || url.scheme == "http", url.host != nil else {
            throw ConfigurationError(file: file, key: key, message: "must be an http(s) URL, not \"\(value)\"")
        }
    }

    /// A value sent as an HTTP header (`nhn-source-system`): NHN requires it, and Kestrel
    /// (ASP.NET) answers 400 to a header with anything but printable ASCII, so "Helse Førde"
    /// would have every call refused.
    private func requireHeaderText(_ key: String, _ value: String) throws(ConfigurationError) {
        guard !value.trimmingCharacters(in: .whitespaces).isEmpty,
            value.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) })
        else {
            throw ConfigurationError(
                file: file, key: key,
                message: "must be printable ASCII (it is sent as an HTTP header), e.g. \"My-EPJ, v1.0.2\"; write ø as o, å as aa")
        }
    }

    // MARK: Typed getters

    private func isMissing(_ error: any Error) -> Bool {
        String(describing: error).hasPrefix("Missing required config value")
    }

    private func read<T>(_ key: String, expected: String, _ body: () throws -> T) throws(ConfigurationError) -> T? {
        do {
            return try body()
        } catch {
            if isMissing(error) { return nil }
            throw ConfigurationError(file: file, key: key, message: "must be \(expected)")
        }
    }

    func string(_ key: String) throws(ConfigurationError) -> String? {
        try read(key, expected: "a string") { try reader.requiredString(forKey: ConfigKey(key)) }
    }

    func bool(_ key: String) throws(ConfigurationError) -> Bool? {
        try read(key, expected: "true or false") { try reader.requiredBool(forKey: ConfigKey(key)) }
    }

    func int(_ key: String, min: Int) throws(ConfigurationError) -> Int? {
        guard let value = try read(key, expected: "a whole number", { try reader.requiredInt(forKey: ConfigKey(key)) }) else {
            return nil
        }
        guard value >= min else { throw ConfigurationError(file: file, key: key, message: "must be at least \(min)") }
        return value
    }

    func double(_ key: String, min: Double) throws(ConfigurationError) -> Double? {
        guard let value = try read(key, expected: "a number", { try reader.requiredDouble(forKey: ConfigKey(key)) }) else {
            return nil
        }
        guard value >= min else { throw ConfigurationError(file: file, key: key, message: "must be at least \(min)") }
        return value
    }

    func intArray(_ key: String) throws(ConfigurationError) -> [Int]? {
        try read(key, expected: "a list of whole numbers") { try reader.requiredIntArray(forKey: ConfigKey(key)) }
    }

    func choice<T: RawRepresentable & CaseIterable>(_ key: String) throws(ConfigurationError) -> T? where T.RawValue == String {
        guard let text = try string(key) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw ConfigurationError(file: file, key: key, message: "must be one of \(allowed), not \"\(text)\"")
        }
        return value
    }

    private func path(_ value: String) -> String {
        value.hasPrefix("/") ? value : URL(fileURLWithPath: value, relativeTo: URL(fileURLWithPath: relativeBase + "/")).standardizedFileURL.path
    }
}
