import Bridge
import DropbridgeCore
import Foundation
import XCTest

final class ConfigLoaderTests: XCTestCase {
    private var folder: String!

    override func setUp() {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("config-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    override func tearDown() {
        try? FileManager.default.removeItem(atPath: folder)
    }

    private func write(_ yaml: String, name: String = "dropbridge.yaml") throws -> String {
        let path = folder + "/" + name
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    private func loadError(_ yaml: String, environment: [String: String] = [:]) async throws -> ConfigurationError {
        let file = try write(yaml)
        do {
            _ = try await ConfigLoader.load(file: file, environment: environment)
        } catch {
            XCTAssertEqual(error.file, file)
            return error
        }
        XCTFail("the configuration was accepted")
        throw CancellationError()
    }

    func testTheSampleConfigurationsLoad() async throws {
        let project = BridgeHarness.projectDirectory
        let production = try await ConfigLoader.load(file: project + "/config/dropbridge.yaml", environment: [:])
        XCTAssertEqual(production.root, "/var/lib/dropbridge")
        XCTAssertEqual(production.folders.outbox, "/var/lib/dropbridge/outbox")
        XCTAssertEqual(production.nhn.herIds, [8143060])
        XCTAssertEqual(production.outbox.inotify, .auto)
        XCTAssertEqual(production.fileMode, 0o640)
        let demo = try await ConfigLoader.load(file: project + "/config/demo.yaml", environment: [:])
        XCTAssertEqual(demo.root, project + "/demo")
        XCTAssertEqual(demo.schemas.directory, project + "/samples/schemas")
        XCTAssertTrue(demo.helseID.enabled)
        XCTAssertEqual(demo.helseID.privateKeyFile, project + "/demo/keys/helseid.jwk")
        XCTAssertEqual(demo.helseID.effectiveIssuer, "http://127.0.0.1:8080")
        XCTAssertEqual(production.helseID.effectiveIssuer, "https://helseid-sts.test.nhn.no")
        XCTAssertFalse(production.altinn.enabled)
        XCTAssertEqual(production.altinn.maskinporten.audience, "https://test.maskinporten.no/")
        XCTAssertEqual(demo.nhn.receive, .stream)
    }

    func testEveryKeyIsReadAndDefaultsFillTheRest() async throws {
        let file = try write(
            """
            root: /srv/bridge
            folders: { failed: /srv/bridge/refused }
            fileMode: "0600"
            folderMode: "2770"
            outbox: { sidecar: optional, settleMilliseconds: 250, orphanSeconds: 60, rescanSeconds: 5, inotify: "off", maxBytes: 1000 }
            schemas: { directory: xsd, require: false }
            nhn: { baseURL: "http://127.0.0.1:9000", senderHerId: 42, herIds: [42, 43], receive: poll, pollSeconds: 10 }
            helseid: { enabled: false, clientId: abc }
            """)
        let config = try await ConfigLoader.load(file: file, environment: [:])
        XCTAssertEqual(config.folders.failed, "/srv/bridge/refused")
        XCTAssertEqual(config.folders.sent, "/srv/bridge/sent")
        XCTAssertEqual(config.fileMode, 0o600)
        XCTAssertEqual(config.folderMode, 0o2770)
        XCTAssertEqual(config.outboxFolderMode, 0o2770)
        XCTAssertEqual(config.outbox.sidecar, .optional)
        XCTAssertEqual(config.outbox.settleMilliseconds, 250)
        XCTAssertEqual(config.outbox.inotify, .off)
        XCTAssertEqual(config.outbox.maxBytes, 1000)
        XCTAssertEqual(config.schemas.directory, folder + "/xsd", "relative to the config file's folder")
        XCTAssertFalse(config.schemas.require)
        XCTAssertEqual(config.nhn.senderHerId, 42)
        XCTAssertEqual(config.nhn.herIds, [42, 43])
        XCTAssertEqual(config.nhn.receive, .poll)
        XCTAssertEqual(config.nhn.sourceSystem, "dropbridge 1.0")
        XCTAssertEqual(config.helseID.clientId, "abc")
    }

    func testEnvironmentOverridesTheFile() async throws {
        let file = try write("root: /srv/bridge\nnhn: { baseURL: \"http://127.0.0.1:9000\" }\n")
        let config = try await ConfigLoader.load(
            file: file, environment: ["DROPBRIDGE_NHN_BASE_URL": "http://127.0.0.1:9999", "NHN_BASE_URL": "http://ignored:1"])
        XCTAssertEqual(config.nhn.baseURL, "http://127.0.0.1:9999")
    }

    func testErrorsNameTheKeyAndTheFile() async throws {
        // Sent as the nhn-source-system header: ASP.NET refuses non-ASCII header values.
        var error = try await loadError("root: /srv\nnhn: { sourceSystem: \"Helse Førde EPJ\" }\n")
        XCTAssertEqual(error.key, "nhn.sourceSystem")
        XCTAssertTrue(error.description.contains("ASCII"), error.description)
        error = try await loadError("root: /srv\nnhn: { sourceSystem: \"  \" }\n")
        XCTAssertEqual(error.key, "nhn.sourceSystem")

        error = try await loadError("root: /srv\noutbox: { settleMilliseconds: soon }\n")
        XCTAssertEqual(error.key, "outbox.settleMilliseconds")
        XCTAssertTrue(error.description.contains("whole number"))

        error = try await loadError("root: /srv\noutbox: { sidecar: sometimes }\n")
        XCTAssertEqual(error.key, "outbox.sidecar")
        XCTAssertTrue(error.description.contains("\"required\""))

        error = try await loadError("outbox: { sidecar: required }\n")
        XCTAssertEqual(error.key, "root")

        error = try await loadError("root: /srv\nfileMode: \"0999\"\n")
        XCTAssertEqual(error.key, "fileMode")

        error = try await loadError("root: /srv\nfolderMode: \"0650\"\n")
        XCTAssertEqual(error.key, "folderMode", "dropbridge itself needs rwx")
        error = try await loadError("root: /srv\nfolderMode: \"4750\"\n")
        XCTAssertEqual(error.key, "folderMode", "setuid means nothing on a folder")

        error = try await loadError("root: /srv\nnhn: { baseURL: \"ftp://x\" }\n")
        XCTAssertEqual(error.key, "nhn.baseURL")

        error = try await loadError("root: /srv\nnhn: { herIds: [1, two] }\n")
        XCTAssertEqual(error.key, "nhn.herIds")

        error = try await loadError("root: /srv\nschemas: { require: maybe }\n")
        XCTAssertEqual(error.key, "schemas.require")

        // A misspelt key must not silently fall back to its default.
        error = try await loadError("root: /srv\noutbox: { orphanSecnds: 15 }\n")
        XCTAssertEqual(error.key, "outbox.orphanSecnds")
        XCTAssertTrue(error.description.contains("not a configuration key"))
        error = try await loadError("root: /srv\nhelsied: { enabled: false }\n")
        XCTAssertEqual(error.key, "helsied")
    }

    func testMetricsListenAndAlertThresholds() async throws {
        let defaults = try await ConfigLoader.load(file: try write("root: /srv/a\n"), environment: [:])
        XCTAssertEqual(defaults.metricsListen, "127.0.0.1:9464")
        XCTAssertEqual(defaults.alerts, BridgeConfig.Alerts())
        let set = try await ConfigLoader.load(
            file: try write(
                """
                root: /srv/a
                metrics: { listen: "" }
                alerts: { stuckSeconds: 60, inboxSeconds: 0, silentStreamSeconds: 7200, unreachableSeconds: 30, minFreeBytes: 1000 }
                """),
            environment: [:])
        XCTAssertEqual(set.metricsListen, "", "empty is off")
        XCTAssertEqual(set.alerts.stuckSeconds, 60)
        XCTAssertEqual(set.alerts.inboxSeconds, 0)
        XCTAssertEqual(set.alerts.silentStreamSeconds, 7200)
        XCTAssertEqual(set.alerts.unreachableSeconds, 30)
        XCTAssertEqual(set.alerts.minFreeBytes, 1000)
        let listen = try await loadError("root: /srv/a\nmetrics: { listen: \"9464\" }\n")
        XCTAssertEqual(listen.key, "metrics.listen")
        let negative = try await loadError("root: /srv/a\nalerts: { stuckSeconds: -1 }\n")
        XCTAssertEqual(negative.key, "alerts.stuckSeconds")
        let typo = try await loadError("root: /srv/a\nalerts: { stuckSecond: 5 }\n")
        XCTAssertTrue("\(typo)".contains("alerts.stuckSecond"), "\(typo)")
        XCTAssertEqual(ListenAddress("[::1]:9464"), ListenAddress(host: "::1", port: 9464))
        XCTAssertNil(ListenAddress("127.0.0.1:99999"))
    }

    func testAMissingOrBrokenFileIsAnError() async throws {
        let missing = folder + "/nope.yaml"
        do {
            _ = try await ConfigLoader.load(file: missing, environment: [:])
            XCTFail("a missing file was accepted")
        } catch {
            XCTAssertEqual(error.file, missing)
        }
        let broken = try write("root: [unclosed\n", name: "broken.yaml")
        do {
            _ = try await ConfigLoader.load(file: broken, environment: [:])
            XCTFail("broken YAML was accepted")
        } catch {
            XCTAssertEqual(error.file, broken)
        }
    }

    /// Credentials are checked at start-up: the client id, the key, and that authentication
    /// is off only against a loopback test double.
    func testCredentialsAreCheckedBeforeStart() async throws {
        func credentialsError(_ yaml: String) async throws -> ConfigurationError? {
            let config = try await ConfigLoader.load(file: try write(yaml), environment: [:])
            do {
                _ = try await Credentials.load(config, file: "dropbridge.yaml")
                return nil
            } catch {
                return error
            }
        }
        let offline = try await credentialsError("root: /srv/b\nnhn: { baseURL: \"https://api.tjener.test.melding.nhn.no\" }\nhelseid: { enabled: false }\n")
        XCTAssertEqual(offline?.key, "helseid.enabled")
        let loopback = try await credentialsError("root: /srv/b\nnhn: { baseURL: \"http://127.0.0.1:9\" }\nhelseid: { enabled: false }\n")
        XCTAssertNil(loopback)
        // Names that merely start like a loopback address are anyone's DNS names.
        for host in ["127.evil.example", "127.0.0.1.evil.example", "localhost.evil.example", "[::2]", "0.0.0.0"] {
            let spoofed = try await credentialsError("root: /srv/b\nnhn: { baseURL: \"http://\(host):9\" }\nhelseid: { enabled: false }\n")
            XCTAssertEqual(spoofed?.key, "helseid.enabled", host)
        }
        for host in ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST", "[::1]"] {
            let loopback = try await credentialsError("root: /srv/b\nnhn: { baseURL: \"http://\(host):9\" }\nhelseid: { enabled: false }\n")
            XCTAssertNil(loopback, host)
        }
        let noClient = try await credentialsError("root: /srv/b\n")
        XCTAssertEqual(noClient?.key, "helseid.clientId")
        let noKey = try await credentialsError("root: /srv/b\nhelseid: { clientId: c, privateKeyFile: /nonexistent/k.jwk }\n")
        XCTAssertEqual(noKey?.key, "helseid.privateKeyFile")
        XCTAssertTrue(noKey?.message.contains("/nonexistent/k.jwk") == true, noKey?.message ?? "")
    }
}
