import AsyncHTTPClient
import Logging
import NIOCore
import XCTest

@testable import Simulator

final class LifecycleTests: XCTestCase {
    func makeSimulator() -> NHNSimulator {
        var logger = Logger(label: "simulator-tests")
        logger.logLevel = .warning
        return NHNSimulator(settings: SimulatorSettings(ownHerIds: [1001]), logger: logger)
    }

    func ping(_ client: HTTPClient, port: Int, timeout: TimeAmount = .seconds(10)) async throws -> Int {
        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/ping")
        request.headers.add(name: "api-version", value: "3")
        request.headers.add(name: "nhn-source-system", value: "tests")
        let response = try await client.execute(request, timeout: timeout)
        return Int(response.status.code)
    }

    func testStopClosesTheListener() async throws {
        let simulator = makeSimulator()
        let port = try await simulator.start()
        XCTAssertGreaterThan(port, 0)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        // Answering (and refusing a request without credentials, as NHN does).
        let status = try await ping(client, port: port)
        XCTAssertEqual(status, 401)

        await simulator.stop()
        do {
            // The client retries refused connects until its deadline, so keep that short.
            let afterStop = try await ping(client, port: port, timeout: .milliseconds(500))
            XCTFail("still answering after stop: \(afterStop)")
        } catch {}
        try await client.shutdown()
        await simulator.stop()  // a second stop is harmless
    }

    func testStartFailsWhenThePortIsTaken() async throws {
        let first = makeSimulator()
        let port = try await first.start()
        let second = makeSimulator()
        do {
            _ = try await second.start(port: port)
            XCTFail("two simulators bound the same port")
            await second.stop()
        } catch {}
        await first.stop()
    }

    func testRunServesUntilCancelled() async throws {
        let simulator = makeSimulator()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let server = Task { try await simulator.run(port: 0) { continuation.yield($0) } }
        var iterator = ports.makeAsyncIterator()
        let announced = await iterator.next()
        let port = try XCTUnwrap(announced)
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        // Answering (and refusing a request without credentials, as NHN does).
        let status = try await ping(client, port: port)
        XCTAssertEqual(status, 401)
        try await client.shutdown()

        server.cancel()
        // Returns (with or without an error) once cancelled; the test would hang otherwise.
        _ = await server.result
    }
}
