import Auth
import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Simulator
import XCTest

/// The bridge harness with the Altinn channel on: a Maskinporten client (RSA key) registered
/// with the simulator, `altinn.*` pointing at it, and helpers for Altinn drops.
extension BridgeHarness {
    static let altinnClientID = "bridge-tests-maskinporten"
    static let resource = "dropbridge-correspondence"
    static let org = "urn:altinn:organization:identifier-no:910753614"
    static let otherOrg = "urn:altinn:organization:identifier-no:991825827"
    static let person = "urn:altinn:person:identifier-no:15038545660"

    static func altinn(
        correspondence: CorrespondenceSettings = CorrespondenceSettings(scanSeconds: 0.2, readSeconds: 0.4, confirmSeconds: 0.4),
        authentication: AuthenticationSettings = AuthenticationSettings(),
        configure: (inout BridgeConfig) -> Void = { _ in }
    ) async throws -> BridgeHarness {
        let harness = try await BridgeHarness(authentication: authentication, correspondence: correspondence) { config in
            config.altinn.enabled = true
            config.altinn.resourceId = resource
            config.altinn.maxPollSeconds = 1
            configure(&config)
        }
        let key = try await TestKeys.make(.rsa, at: harness.root + "/keys/maskinporten.jwk")
        await harness.simulator.register(RegisteredClient(clientID: altinnClientID, publicKey: key.publicJWK, keyID: key.keyID))
        let base = "http://127.0.0.1:\(harness.port)"
        harness.config.altinn.baseURL = base
        harness.config.altinn.maskinporten.tokenEndpoint = base + "/maskinporten/token"
        harness.config.altinn.maskinporten.audience = base + "/maskinporten/"
        harness.config.altinn.maskinporten.clientId = altinnClientID
        harness.config.altinn.maskinporten.privateKeyFile = harness.root + "/keys/maskinporten.jwk"
        return harness
    }

    static func altinnSidecar(
        recipients: [String], title: String = "Vedtak i sak 117", extra: String = ""
    ) -> String {
        let list = recipients.map { "\"\($0)\"" }.joined(separator: ", ")
        return """
            { "channel": "altinn", "recipients": [\(list)], "sendersReference": "case-2026-117",
              "content": { "language": "nb", "messageTitle": "\(title)", "messageBody": "Hei.\\n\\nVedtaket ligger **vedlagt**." }\(extra) }
            """
    }

    static let letter = Array("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<vedtak xmlns=\"urn:example:vedtak\"><sak>117</sak></vedtak>\n".utf8)

    func dropAltinn(_ name: String, recipients: [String], xml: [UInt8] = BridgeHarness.letter, extra: String = "") throws {
        try drop(name, xml: xml, sidecar: Self.altinnSidecar(recipients: recipients, extra: extra))
    }

    func altinnStatus(_ name: String) throws -> AltinnStatusReceipt? {
        guard let data = FileManager.default.contents(atPath: config.folders.receipts + "/" + name + ".status.json") else { return nil }
        return try JSONDecoder().decode(AltinnStatusReceipt.self, from: data)
    }
}
