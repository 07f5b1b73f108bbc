import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import XCTest

@testable import Simulator

extension SimulatorHarness {
    /// A simulator with quick counterparties and a seeded offset sequence.
    static func startInbound(stream: StreamSettings = StreamSettings()) async throws -> SimulatorHarness {
        var logger = Logger(label: "simulator-inbound-tests")
        logger.logLevel = .warning
        let settings = SimulatorSettings(
            ownHerIds: [own, ownOther], counterpartyHerIds: [foreign], maxRequestBytes: 64 * 1024,
            counterpartyDelays: CounterpartyDelays(sentSeconds: 0.05, deliveredSeconds: 0.05, appRecSeconds: 0.05),
            stream: stream, seed: 42)
        return try await running(NHNSimulator(settings: settings, logger: logger))
    }

    func put(_ path: String, json: [String: Any]) async throws -> Reply {
        let data = try JSONSerialization.data(withJSONObject: json)
        return try await request(.PUT, path, body: .bytes(ByteBuffer(bytes: data)))
    }

    func configure(_ herIds: [Int]) async throws {
        let configurations = herIds.map {
            ["herId": $0, "receiveNotificationChannel": "Api", "receiveRefusedMessageNotices": true] as [String: Any]
        }
        let reply = try await put("/mshconfigurations", json: ["configurations": configurations])
        XCTAssertEqual(reply.status, 204, String(decoding: reply.body, as: UTF8.self))
    }

    /// Polls `GET /notifications` for one HER-id.
    func poll(_ herId: Int, after offset: Int64 = 0, extra: String = "") async throws -> [[String: Any]] {
        let reply = try await request(.GET, "/notifications?HerIds=\(herId)&Offset=\(offset)\(extra)")
        XCTAssertEqual(reply.status, 200, String(decoding: reply.body, as: UTF8.self))
        return reply.json?["notifications"] as? [[String: Any]] ?? []
    }

    /// Polls until `condition` holds for the notifications of `herId`, or fails after `seconds`.
    func waitForNotifications(
        _ herId: Int, seconds: Double = 5, file: StaticString = #filePath, line: UInt = #line,
        until condition: ([[String: Any]]) -> Bool
    ) async throws -> [[String: Any]] {
        let deadline = Date().addingTimeInterval(seconds)
        while true {
            let found = try await poll(herId)
            if condition(found) { return found }
            if Date() > deadline {
                XCTFail("condition not met; notifications: \(found.map { $0["type"] ?? "" })", file: file, line: line)
                return found
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    func inject(from sender: Int = foreign, to receiver: Int = own, document: String) async throws -> String {
        try await simulator.inject(InjectRequest(senderHerId: sender, receiverHerIds: [receiver], document: document))
    }
}

extension TestDocuments {
    static func appRec(id: String = "apprec-1", originalMsgId: String = "msg-1") -> String {
        AppRecWriter.document(
            id: id, originalMsgId: originalMsgId, originalType: "DIALOG_HELSEFAGLIG",
            from: SimulatorHarness.foreign, to: SimulatorHarness.own)
    }
}
