import DropbridgeCore
import Foundation
import Ledger
import XCTest

/// The built `dropbridge` as an operator runs it: output and exit codes (sysexits).
final class CommandLineTests: XCTestCase {
    struct Run {
        var status: Int32
        var output: String
        var error: String
    }

    static func dropbridge(_ arguments: [String]) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try DropbridgeBinary.path())
        process.arguments = arguments
        let output = Pipe()
        let error = Pipe()
        process.standardOutput = output
        process.standardError = error
        try process.run()
        let out = output.fileHandleForReading.readDataToEndOfFile()
        let err = error.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(status: process.terminationStatus, output: String(decoding: out, as: UTF8.self), error: String(decoding: err, as: UTF8.self))
    }

    func testValidateReportsFileLineColumnAndExitCodes() throws {
        let samples = BridgeHarness.samples
        let valid = samples + "/outbox/01-dialog-helsefaglig.xml"
        let invalid = samples + "/outbox/91-broken-schema-invalid.xml"
        let malformed = samples + "/outbox/90-broken-not-well-formed.xml"

        let good = try Self.dropbridge(["validate", "--schemas", samples + "/schemas", valid])
        XCTAssertEqual(good.status, 0, good.output + good.error)
        XCTAssertTrue(good.output.contains("\(valid): valid"))
        XCTAssertTrue(good.output.contains("DIALOG_HELSEFAGLIG"))

        let bad = try Self.dropbridge(["validate", "--schemas", samples + "/schemas", valid, invalid, malformed])
        XCTAssertEqual(bad.status, 1)
        let lines = bad.output.split(separator: "\n").map(String.init)
        let pattern = try NSRegularExpression(pattern: #"^(.+):(\d+):(\d+): .+$"#)
        for file in [invalid, malformed] {
            let located = lines.filter { $0.hasPrefix(file + ":") }
            XCTAssertFalse(located.isEmpty, "no FILE:LINE:COL line for \(file) in \(bad.output)")
            for line in located {
                let match = pattern.firstMatch(in: line, range: NSRange(line.startIndex..., in: line))
                XCTAssertNotNil(match, line)
                XCTAssertFalse(line.contains(":0:0:"), "line and column are known: \(line)")
            }
        }
    }

    func testValidateChecksTheSidecarBesideTheDocument() throws {
        let samples = BridgeHarness.samples
        for sample in ["95-broken-sidecar-typo", "96-broken-sender-mismatch"] {
            let run = try Self.dropbridge(["validate", "--schemas", samples + "/schemas", samples + "/outbox/\(sample).xml"])
            XCTAssertEqual(run.status, 1, sample)
            XCTAssertTrue(run.output.contains(sample + ".json"), run.output)
        }
        let missing = try Self.dropbridge(["validate", "--schemas", "/nonexistent-schemas", samples + "/outbox/01-dialog-helsefaglig.xml"])
        XCTAssertEqual(missing.status, 69)
    }

    /// `validate` applies an Altinn sidecar's rules as `run` does: the resource from the
    /// configuration, the same refusal naming the field, and a disabled channel refused.
    func testValidateChecksAnAltinnSidecarAsRunDoes() throws {
        let samples = BridgeHarness.samples
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("validate-altinn-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let enabled = root + "/enabled.yaml"
        try "root: \(root)\naltinn: { enabled: true, resourceId: dropbridge-correspondence }\n".write(toFile: enabled, atomically: true, encoding: .utf8)
        let good = try Self.dropbridge([
            "validate", "--config", enabled, "--schemas", samples + "/schemas",
            samples + "/outbox/10-altinn-to-organisation.xml", samples + "/outbox/11-altinn-to-person.xml",
        ])
        XCTAssertEqual(good.status, 0, good.output + good.error)
        XCTAssertTrue(good.output.contains("sidecar ok (altinn, 1 recipient(s), resource dropbridge-correspondence)"), good.output)

        let bad = try Self.dropbridge(["validate", "--config", enabled, "--schemas", samples + "/schemas", samples + "/outbox/97-broken-altinn-bad-orgnr.xml"])
        XCTAssertEqual(bad.status, 1, bad.output)
        let data = try XCTUnwrap(FileManager.default.contents(atPath: samples + "/outbox/97-broken-altinn-bad-orgnr.json"))
        guard case .altinn(let sidecar) = try Sidecar.decode([UInt8](data)) else { return XCTFail("an Altinn sidecar") }
        XCTAssertThrowsError(try AltinnCorrespondence.validate(sidecar, defaultResourceId: "dropbridge-correspondence", dropName: "97-broken-altinn-bad-orgnr")) { error in
            let reason = (error as? DropFailure)?.reason ?? ""
            XCTAssertTrue(reason.contains("\"recipients[0]\""), reason)
            XCTAssertTrue(bad.output.contains(reason), "validate says what run says: \(bad.output)")
        }

        // Without a resource in the sidecar or the configuration, as run refuses it.
        let noResource = root + "/no-resource.yaml"
        try "root: \(root)\naltinn: { enabled: true }\n".write(toFile: noResource, atomically: true, encoding: .utf8)
        let unresolved = try Self.dropbridge(["validate", "--config", noResource, "--schemas", samples + "/schemas", samples + "/outbox/10-altinn-to-organisation.xml"])
        XCTAssertEqual(unresolved.status, 1, unresolved.output)
        XCTAssertTrue(unresolved.output.contains("\"resourceId\""), unresolved.output)

        let disabled = root + "/disabled.yaml"
        try "root: \(root)\n".write(toFile: disabled, atomically: true, encoding: .utf8)
        let off = try Self.dropbridge(["validate", "--config", disabled, "--schemas", samples + "/schemas", samples + "/outbox/10-altinn-to-organisation.xml"])
        XCTAssertEqual(off.status, 1, off.output)
        XCTAssertTrue(off.output.contains("altinn.enabled: false"), off.output)
    }

    func testRetryMovesFailedDropsBackToTheOutbox() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("retry-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        for folder in ["outbox", "failed", ".dropbridge"] {
            try FileManager.default.createDirectory(atPath: root + "/" + folder, withIntermediateDirectories: true)
        }
        for name in ["one", "two"] {
            for suffix in [".xml", ".json", ".error.json"] {
                _ = FileManager.default.createFile(atPath: root + "/failed/" + name + suffix, contents: Data("x".utf8))
            }
        }
        let config = root + "/dropbridge.yaml"
        try "root: \(root)\n".write(toFile: config, atomically: true, encoding: .utf8)

        XCTAssertEqual(try Self.dropbridge(["retry", "--config", config]).status, 64, "names or --all")
        XCTAssertEqual(try Self.dropbridge(["retry", "--config", config, "--all", "one"]).status, 64, "not both")
        let one = try Self.dropbridge(["retry", "--config", config, "one"])
        XCTAssertEqual(one.status, 0, one.error)
        // An operator's action, logged with what it did and who did it.
        XCTAssertTrue(one.error.contains("operator retry: failed drop back in the outbox"), one.error)
        XCTAssertTrue(one.error.contains("action=retry") && one.error.contains("by=") && one.error.contains("drop=one"), one.error)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/outbox").sorted(), ["one.json", "one.xml"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/failed").sorted(), ["two.error.json", "two.json", "two.xml"])
        let all = try Self.dropbridge(["retry", "--config", config, "--all"])
        XCTAssertEqual(all.status, 0, all.error)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/failed"), [])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: root + "/outbox").count, 4)
        let nothing = try Self.dropbridge(["retry", "--config", config, "nothing-here"])
        XCTAssertEqual(nothing.status, 1)
        XCTAssertTrue(nothing.error.contains("nothing-here: not in failed/"), nothing.error)
        XCTAssertFalse(nothing.error.contains("operator retry:"), "nothing was done, so nothing is logged as done")
    }

    func testValidateRefusesXXEWithinASecondAndLeaksNothing() throws {
        let started = Date()
        let run = try Self.dropbridge(["validate", "--schemas", BridgeHarness.samples + "/schemas", BridgeHarness.samples + "/outbox/92-broken-xxe.xml", BridgeHarness.samples + "/outbox/93-broken-entity-bomb.xml"])
        XCTAssertEqual(run.status, 1)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "process start included; each refusal is far quicker")
        XCTAssertTrue(run.output.contains("DOCTYPE"))
        XCTAssertFalse(run.output.contains("root:x:0:0"))
        XCTAssertFalse(run.error.contains("root:x:0:0"))
    }

    func testAConfigurationErrorExits78NamingKeyAndFile() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("cli-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/bad.yaml"
        try "root: \(folder)\noutbox: { inotify: sometimes }\n".write(toFile: file, atomically: true, encoding: .utf8)
        let run = try Self.dropbridge(["run", "--config", file])
        XCTAssertEqual(run.status, 78)
        XCTAssertTrue(run.error.contains(file), run.error)
        XCTAssertTrue(run.error.contains("outbox.inotify"), run.error)
    }

    /// Issue #8: `status` shows each batch of HER-ids on its own: state, offset, last event and
    /// the oversized events it dropped.
    func testStatusShowsEachBatchOfHerIds() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: root) }
        try FileManager.default.createDirectory(atPath: root + "/.dropbridge", withIntermediateDirectories: true)
        let config = root + "/dropbridge.yaml"
        try "root: \(root)\n".write(toFile: config, atomically: true, encoding: .utf8)
        let big = Array(1_000_001...1_001_500)
        do {
            let ledger = try Ledger(path: root + "/.dropbridge/ledger.sqlite")
            let now = Date().timeIntervalSince1970
            try await ledger.setReceiveState("polling", detail: "1 of 2 batches of HER-ids polling", now: now)
            try await ledger.setReceiveBatchState(herIds: big, state: "streaming", detail: nil, now: now)
            try await ledger.noteReceiveEvent(herIds: big, at: now)
            try await ledger.countOversizedEvent(herIds: big, now: now)
            _ = try await ledger.enqueueNotifications([], offset: 100, herIds: big, now: now)
            try await ledger.setReceiveBatchState(herIds: [1_001_501], state: "polling", detail: "the stream is refused", now: now)
        }
        let text = try Self.dropbridge(["status", "--config", config])
        XCTAssertEqual(text.status, 0, text.error)
        XCTAssertTrue(text.output.contains("batch 1500 HER-ids from 1000001: streaming, offset 100, last event under a minute ago, 1 oversized event(s) dropped"), text.output)
        XCTAssertTrue(text.output.contains("batch 1001501: polling (the stream is refused), offset none yet, no event yet"), text.output)
        let json = try Self.dropbridge(["status", "--config", config, "--json"])
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(json.output.utf8)) as? [String: Any])
        let batches = try XCTUnwrap((report["receiving"] as? [String: Any])?["batches"] as? [[String: Any]])
        XCTAssertEqual(batches.count, 2)
        XCTAssertEqual(batches.compactMap { $0["oversizedEvents"] as? Int }.sorted(), [0, 1])
    }

    /// `--version` on the tool and on a command, and the exit-code table at the end of `--help`.
    func testVersionAndTheExitCodeTableInHelp() throws {
        for arguments in [["--version"], ["status", "--version"]] {
            let run = try Self.dropbridge(arguments)
            XCTAssertEqual(run.status, 0, run.error)
            XCTAssertEqual(run.output.trimmingCharacters(in: .whitespacesAndNewlines), DropbridgeVersion.current)
        }
        let help = try Self.dropbridge(["--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.output.contains("EXIT STATUS"), help.output)
        for code in ["0 ", "1 ", "64", "69", "70", "73", "77", "78"] {
            XCTAssertTrue(help.output.contains("\n  \(code)"), "code \(code) in the table:\n\(help.output)")
        }
        XCTAssertTrue(help.output.contains("--log-format text|json"), help.output)
    }

    func testUsageErrorsExit64() throws {
        let run = try Self.dropbridge(["run"])
        XCTAssertEqual(run.status, 64, run.error)
    }
}
