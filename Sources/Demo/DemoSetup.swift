import Auth
import Foundation

/// The embedded default the demo runs: who is who in the simulated health network, where the
/// project's samples are, and the configuration the demo writes for `status`/`retry`.
package enum DemoSetup {
    /// The demo bridge acts for this HER-id (the samples' sender).
    package static let ownHerIds = [8143060]
    /// Known foreign receivers in the samples.
    package static let counterpartyHerIds = [8094866, 8143025]

    /// Finds the project's `samples/` folder: given, or in the working directory, or beside
    /// the executable's build folder (`.build/debug/dropbridge` → `samples/`).
    package static func samplesDirectory(given: String?) throws -> String {
        if let given { return given }
        var candidates = [FileManager.default.currentDirectoryPath + "/samples"]
        var url = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        for _ in 0..<5 {
            candidates.append(url.appendingPathComponent("samples").path)
            url.deleteLastPathComponent()
        }
        for candidate in candidates where FileManager.default.fileExists(atPath: candidate + "/outbox") {
            return candidate
        }
        throw DemoError("cannot find the project's samples/ folder; run from the project folder or pass --samples DIR")
    }

    /// The demo's client at the simulated HelseID.
    package static let clientID = "dropbridge-demo"

    /// The demo's HelseID key, made on first run and kept (so a rerun is the same client).
    package static func helseIDKey(root: String) throws -> String {
        let keys = root + "/keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let file = keys + "/helseid.jwk"
        if !FileManager.default.fileExists(atPath: file) {
            // EC keeps the demo quick; `dropbridge keygen` makes RSA keys by default.
            _ = try KeyPairFiles.generate(.ec, privateKeyFile: file)
        }
        return file
    }

    /// The demo's client at the simulated Maskinporten, and the Altinn resource it sends with.
    package static let maskinportenClientID = "dropbridge-demo-maskinporten"
    package static let altinnResource = "dropbridge-correspondence"

    /// The demo's Maskinporten key (RSA: Maskinporten takes RS256 grants), made on first run.
    package static func maskinportenKey(root: String) throws -> String {
        let keys = root + "/keys"
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        let file = keys + "/maskinporten.jwk"
        if !FileManager.default.fileExists(atPath: file) {
            _ = try KeyPairFiles.generate(.rsa, privateKeyFile: file)
        }
        return file
    }

    package static func configYAML(root: String, port: Int, metricsListen: String = "127.0.0.1:9464") -> String {
        """
        # Written by `dropbridge demo`: the bridge against the in-process simulator.
        # `dropbridge status --config \(root)/dropbridge.yaml` works while the demo runs.
        root: \(root)
        fileMode: "0640"
        outbox:
          sidecar: required
          settleMilliseconds: 200
          orphanSeconds: 15
          rescanSeconds: 2
          inotify: auto
          maxBytes: 35000000
        schemas:
          directory: \(root)/schemas
          require: true
        nhn:
          enabled: true
          baseURL: http://127.0.0.1:\(port)
          sourceSystem: "dropbridge demo"
          senderHerId: \(ownHerIds[0])
          herIds: [\(ownHerIds.map(String.init).joined(separator: ", "))]
          receive: stream
          maxBackoffSeconds: 5
        helseid:
          enabled: true
          tokenEndpoint: http://127.0.0.1:\(port)/connect/token
          clientId: \(clientID)
          privateKeyFile: \(root)/keys/helseid.jwk
          scope: nhn:msh/api
        altinn:
          enabled: true
          baseURL: http://127.0.0.1:\(port)
          resourceId: \(altinnResource)
          maxPollSeconds: 2
          maskinporten:
            tokenEndpoint: http://127.0.0.1:\(port)/maskinporten/token
            audience: http://127.0.0.1:\(port)/maskinporten/
            clientId: \(maskinportenClientID)
            privateKeyFile: \(root)/keys/maskinporten.jwk
            scope: "altinn:correspondence.write altinn:serviceowner"
        metrics:
          listen: "\(metricsListen)"
        alerts:
          unreachableSeconds: 5
        """ + "\n"
    }
}

package struct DemoError: Error, CustomStringConvertible {
    package var description: String
    package init(_ description: String) { self.description = description }
}
