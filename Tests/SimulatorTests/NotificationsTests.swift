import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import XCTest

@testable import Simulator

final class NotificationsTests: XCTestCase {
    var harness: SimulatorHarness!

    override func setUp() async throws {
        harness = try await SimulatorHarness.startInbound(stream: StreamSettings(heartbeatSeconds: 0.1))
    }

    override func tearDown() async throws {
        try await harness?.shutDown()
        harness = nil
    }

    func testPollingReturnsGappedAscendingOffsetsAfterOffset() async throws {
        try await harness.configure([SimulatorHarness.own])
        for index in 0..<4 {
            _ = try await harness.inject(document: TestDocuments.msgHead(msgId: "in-\(index)"))
        }
        let all = try await harness.poll(SimulatorHarness.own)
        let offsets = all.compactMap { ($0["offset"] as? NSNumber)?.int64Value }
        XCTAssertEqual(offsets.count, 4)
        XCTAssertEqual(all.map { $0["type"] as? String }, Array(repeating: "NewMessage", count: 4))
        // Offsets continue above any an earlier simulator handed out (they start at the
        // microseconds since 1970), with gaps of 1 to 5 between them.
        XCTAssertGreaterThan(offsets[0], Int64(Date().timeIntervalSince1970 * 1_000_000) - 3_600_000_000)
        for (previous, offset) in zip(offsets, offsets.dropFirst()) {
            XCTAssertTrue((1...5).contains(offset - previous), "step \(offset - previous) not in 1...5")
        }

        let later = try await harness.poll(SimulatorHarness.own, after: offsets[1])
        XCTAssertEqual(later.compactMap { ($0["offset"] as? NSNumber)?.int64Value }, Array(offsets[2...]))
        let limited = try await harness.poll(SimulatorHarness.own, extra: "&NotificationsToFetch=1")
        XCTAssertEqual(limited.compactMap { ($0["offset"] as? NSNumber)?.int64Value }, [offsets[0]])
        XCTAssertEqual(limited.first?["notificationReceiverHerId"] as? Int, SimulatorHarness.own)
        // Like NHN's, the notifications carry no id (docs/nhn-edi.md §13.1).
        XCTAssertNil(limited.first?["id"])
        XCTAssertNil(limited.first?["notificationId"])
        XCTAssertNotNil(limited.first?["relatedMessageId"] as? String)
    }

    func testBadQueriesAre400() async throws {
        try await harness.configure([SimulatorHarness.own])
        let missing = try await harness.request(.GET, "/notifications?Offset=0")
        XCTAssertEqual(missing.status, 400)
        XCTAssertEqual(missing.errorCode, 1001)
        XCTAssertTrue(missing.validationErrors.contains { $0.hasPrefix("HerIds") })

        let tooMany = (0...1500).map { _ in "HerIds=\(SimulatorHarness.own)" }.joined(separator: "&")
        let over = try await harness.request(.GET, "/notifications?\(tooMany)&Offset=0")
        XCTAssertEqual(over.status, 400)
        XCTAssertEqual(over.errorCode, 1001)

        let noOffset = try await harness.request(.GET, "/notifications?HerIds=\(SimulatorHarness.own)")
        XCTAssertEqual(noOffset.status, 400)
        let badFetch = try await harness.request(
            .GET, "/notifications?HerIds=\(SimulatorHarness.own)&Offset=0&NotificationsToFetch=1001")
        XCTAssertEqual(badFetch.status, 400)

        // HER-ids are unique (1 to 1500 unique ones), offsets 0 or more.
        let twice = try await harness.request(
            .GET, "/notifications?HerIds=\(SimulatorHarness.own)&HerIds=\(SimulatorHarness.own)&Offset=0")
        XCTAssertEqual(twice.status, 400)
        XCTAssertTrue(twice.validationErrors.contains { $0.contains("once") }, "\(twice.validationErrors)")
        let negative = try await harness.request(.GET, "/notifications?HerIds=\(SimulatorHarness.own)&Offset=-1")
        XCTAssertEqual(negative.status, 400)
        XCTAssertTrue(negative.validationErrors.contains { $0.hasPrefix("Offset") }, "\(negative.validationErrors)")
    }

    func testUnconfiguredHerIdIs404() async throws {
        try await harness.configure([SimulatorHarness.own])
        let reply = try await harness.request(
            .GET, "/notifications?HerIds=\(SimulatorHarness.own)&HerIds=\(SimulatorHarness.ownOther)&Offset=0")
        XCTAssertEqual(reply.status, 404)
        XCTAssertEqual(reply.errorCode, 1010)
        XCTAssertTrue((reply.json?["detail"] as? String ?? "").contains("PUT /mshconfigurations"))

        var stream = HTTPClientRequest(
            url: harness.baseURL + "/notifications/stream?HerIds=\(SimulatorHarness.ownOther)")
        for (name, value) in [("api-version", "3"), ("nhn-source-system", "t"), ("Accept", "text/event-stream")] {
            stream.headers.add(name: name, value: value)
        }
        try await harness.authorize(&stream)
        let streamReply = try await harness.client.execute(stream, timeout: .seconds(10))
        XCTAssertEqual(streamReply.status.code, 404)
    }

    func testConfigurationIsValidated() async throws {
        let bad = try await harness.put(
            "/mshconfigurations",
            json: ["configurations": [["herId": SimulatorHarness.own, "receiveNotificationChannel": "Kafka"]]])
        XCTAssertEqual(bad.status, 400)
        XCTAssertEqual(bad.errorCode, 1001)
        let missing = try await harness.put("/mshconfigurations", json: ["configurations": [["herId": 1001]]])
        XCTAssertEqual(missing.status, 400)
        let configured = await harness.simulator.configuredHerIds()
        XCTAssertTrue(configured.isEmpty)
    }

    /// connected first, then stored and live notifications, heartbeats while idle, and the
    /// response ends after `cutAfterEvents` notifications.
    func testStreamSendsConnectedNotificationsHeartbeatsAndCuts() async throws {
        try await harness.configure([SimulatorHarness.own])
        await harness.simulator.setStreamSettings(StreamSettings(heartbeatSeconds: 0.1, cutAfterEvents: 3))
        _ = try await harness.inject(document: TestDocuments.msgHead(msgId: "s-1"))
        _ = try await harness.inject(document: TestDocuments.msgHead(msgId: "s-2"))

        var request = HTTPClientRequest(
            url: harness.baseURL + "/notifications/stream?HerIds=\(SimulatorHarness.own)&Offset=0")
        for (name, value) in [("api-version", "3"), ("nhn-source-system", "t"), ("Accept", "text/event-stream")] {
            request.headers.add(name: name, value: value)
        }
        try await harness.authorize(&request)
        let response = try await harness.client.execute(request, timeout: .seconds(10))
        XCTAssertEqual(response.status.code, 200)
        XCTAssertEqual(response.headers.first(name: "Content-Type"), "text/event-stream")

        var text = ""
        var injectedLive = false
        for try await buffer in response.body {
            text += String(buffer: buffer)
            // Once the stored two and an idle heartbeat arrived, publish a live one.
            if !injectedLive, text.components(separatedBy: "event: notification").count == 3,
                text.contains(": heartbeat")
            {
                injectedLive = true
                _ = try await harness.inject(document: TestDocuments.msgHead(msgId: "s-3"))
            }
        }
        // The server ended the response (the cut); parse it simply.
        let blocks = text.components(separatedBy: "\n\n").filter { !$0.isEmpty }
        XCTAssertEqual(blocks.first, "event: connected\ndata:")
        let events = blocks.filter { $0.hasPrefix("event: notification\n") }
        XCTAssertEqual(events.count, 3)
        let notifications = try events.map { block -> [String: Any] in
            let data = block.split(separator: "\n").first { $0.hasPrefix("data: ") }.map { $0.dropFirst(6) } ?? ""
            return try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(data.utf8)) as? [String: Any])
        }
        let offsets = notifications.compactMap { ($0["offset"] as? NSNumber)?.int64Value }
        XCTAssertEqual(offsets, offsets.sorted())
        XCTAssertEqual(Set(offsets).count, 3)
        XCTAssertTrue(blocks.contains(": heartbeat"))

        // The subscription is gone once the response ended.
        let deadline = Date().addingTimeInterval(5)
        var open = await harness.simulator.openStreamCount()
        while open > 0, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            open = await harness.simulator.openStreamCount()
        }
        XCTAssertEqual(open, 0)
    }

    func streamRequest(query: String) async throws -> HTTPClientRequest {
        var request = HTTPClientRequest(url: harness.baseURL + "/notifications/stream?" + query)
        for (name, value) in [("api-version", "3"), ("nhn-source-system", "t"), ("Accept", "text/event-stream")] {
            request.headers.add(name: name, value: value)
        }
        try await harness.authorize(&request)
        return request
    }

    func waitForOpenStreams(_ expected: Int, file: StaticString = #filePath, line: UInt = #line) async throws {
        let deadline = Date().addingTimeInterval(5)
        var open = await harness.simulator.openStreamCount()
        while open != expected, Date() < deadline {
            try await Task.sleep(for: .milliseconds(20))
            open = await harness.simulator.openStreamCount()
        }
        XCTAssertEqual(open, expected, file: file, line: line)
    }

    /// Without Offset the stream starts at the current end; the time cut ends it.
    func testStreamWithoutOffsetStartsAtTheEndAndIsCutAfterSeconds() async throws {
        try await harness.configure([SimulatorHarness.own])
        _ = try await harness.inject(document: TestDocuments.msgHead(msgId: "old"))
        await harness.simulator.setStreamSettings(StreamSettings(heartbeatSeconds: 5, cutAfterSeconds: 0.5))
        let response = try await harness.client.execute(
            try await streamRequest(query: "HerIds=\(SimulatorHarness.own)"), timeout: .seconds(10))
        XCTAssertEqual(response.status.code, 200)
        var text = ""
        var injected = false
        for try await buffer in response.body {
            text += String(buffer: buffer)
            if !injected, text.contains("event: connected") {
                injected = true
                _ = try await harness.inject(document: TestDocuments.msgHead(msgId: "new"))
            }
        }
        let events = text.components(separatedBy: "\n\n").filter { $0.hasPrefix("event: notification") }
        XCTAssertEqual(events.count, 1, text)
        XCTAssertEqual(events.first?.contains("\"relatedMessageId\""), true)
        try await waitForOpenStreams(0)
    }

    /// A client that goes away leaves no subscription behind.
    func testDepartedClientIsUnsubscribed() async throws {
        try await harness.configure([SimulatorHarness.own])
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        let response = try await client.execute(
            try await streamRequest(query: "HerIds=\(SimulatorHarness.own)&Offset=0"), timeout: .seconds(10))
        var iterator = response.body.makeAsyncIterator()
        _ = try await iterator.next()
        try await waitForOpenStreams(1)
        try await client.shutdown()
        try await waitForOpenStreams(0)
    }
}
