import AsyncHTTPClient
import Bridge
import DropbridgeCore
import Foundation
import Ledger
import Logging
import Monitoring
import NIOCore
import ServiceLifecycle

/// A `MonitoringServer` on a free loopback port, and plain HTTP GETs against it.
final class MonitoringHTTP: Sendable {
    let server: MonitoringServer
    private let ports: AsyncStream<Int>
    private let portSink: AsyncStream<Int>.Continuation

    init(config: BridgeConfig, ledger: Ledger, metrics: PrometheusMetrics) {
        var config = config
        config.metricsListen = "127.0.0.1:0"
        let (ports, sink) = AsyncStream<Int>.makeStream()
        self.ports = ports
        portSink = sink
        server = MonitoringServer.forBridge(
            config: config, ledger: ledger, metrics: metrics, logger: Logger(label: "test.monitoring"),
            sampleInterval: .milliseconds(100), onListening: { sink.yield($0) })!
    }

    /// The port, once the server listens.
    func port() async -> Int {
        for await port in ports { return port }
        return 0
    }

    struct Answer {
        var status: Int
        var contentType: String
        var headers: [String: String]
        var body: String
    }

    static func get(_ port: Int, _ path: String) async throws -> Answer {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)"), timeout: .seconds(10))
        let body = try await response.body.collect(upTo: 4 << 20)
        var headers: [String: String] = [:]
        for header in response.headers { headers[header.name.lowercased()] = header.value }
        return Answer(
            status: Int(response.status.code), contentType: response.headers.first(name: "Content-Type") ?? "", headers: headers,
            body: String(buffer: body))
    }
}

/// Runs services in a group of their own until `stop`.
final class ServiceRunner: Sendable {
    private let group: ServiceGroup
    private let task: Task<Void, any Error>

    init(_ services: [any Service]) {
        let group = ServiceGroup(configuration: .init(services: services, logger: Logger(label: "test.runner")))
        self.group = group
        task = Task { try await group.run() }
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await task.value
    }
}
