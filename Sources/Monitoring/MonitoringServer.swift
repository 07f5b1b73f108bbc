import DropbridgeCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// The operator's listener on `metrics.listen`, as a `Service`: `/metrics` (Prometheus text),
/// `/livez`, `/readyz` (200, or 503 with the reasons as JSON), `/status.json` (the snapshot)
/// and the status page `/`. It also samples the bridge every `sampleInterval` so the gauges
/// and the alert log move without anyone asking (every 30 s: the alerts' thresholds are minutes
/// or more, and each sample surveys the folders and the ledger). A listener that cannot bind is logged and
/// does not stop the bridge: files matter more than their dashboard.
package struct MonitoringServer: Service {
    package let monitor: Monitor
    package let address: ListenAddress
    package let sampleInterval: Duration
    /// Between samples nobody asked for; a scrape or a page reads afresh.
    package static let defaultSampleInterval: Duration = .seconds(30)
    private let logger: Logger
    private let onListening: @Sendable (Int) -> Void

    package init(
        monitor: Monitor, address: ListenAddress, sampleInterval: Duration = Self.defaultSampleInterval, logger: Logger,
        onListening: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.monitor = monitor
        self.address = address
        self.sampleInterval = sampleInterval
        self.logger = logger
        self.onListening = onListening
    }

    package func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.sampleUntilShutdown() }
            group.addTask { await self.serve() }
        }
    }

    private func sampleUntilShutdown() async {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await monitor.sample()
                try await Task.sleep(for: sampleInterval)
            }
        }
    }

    private func serve() async {
        let (logger, address, onListening) = (self.logger, self.address, self.onListening)
        let application = Application(
            router: makeRouter(),
            configuration: .init(address: .hostname(address.host, port: address.port), serverName: "dropbridge"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? address.port
                logger.info(
                    "metrics, health and status page listening",
                    metadata: ["url": "http://\(address.host.contains(":") ? "[\(address.host)]" : address.host):\(port)/"])
                onListening(port)
            },
            logger: logger)
        do {
            try await application.run()
        } catch {
            logger.error(
                "metrics.listen \(address.host):\(address.port): cannot serve (\(error)); metrics, health and the status page are off, the bridge goes on")
            try? await gracefulShutdown()
        }
    }

    func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        let monitor = self.monitor
        router.get("/metrics") { _, _ in
            _ = await monitor.snapshot(maxAge: 1)  // gauges fresh for the scrape
            return Self.response(.ok, monitor.metrics.render(), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/livez") { _, _ in
            Self.response(.ok, "{\"live\":true}\n", type: "application/json")
        }
        router.get("/readyz") { _, _ in
            let snapshot = await monitor.snapshot(maxAge: 0)
            return Self.response(snapshot.ready ? .ok : .serviceUnavailable, Self.json(Readiness(snapshot)), type: "application/json")
        }
        router.get("/status.json") { _, _ in
            Self.response(.ok, Self.json(await monitor.snapshot(maxAge: 0)), type: "application/json")
        }
        router.get("/") { _, _ in
            // What an operator looks at is read now (a snapshot is a few indexed reads).
            Self.response(.ok, StatusPage().render(await monitor.snapshot(maxAge: 0)), type: "text/html; charset=utf-8")
        }
        return router
    }

    /// `/readyz`'s body.
    struct Readiness: Codable {
        var ready: Bool
        var reasons: [HealthProblem]

        init(_ snapshot: MonitorSnapshot) {
            ready = snapshot.ready
            reasons = snapshot.problems
        }
    }

    static func json(_ value: some Encodable) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return ((try? encoder.encode(value)).map { String(decoding: $0, as: UTF8.self) } ?? "{}") + "\n"
    }

    static func response(_ status: HTTPResponse.Status, _ body: String, type: String) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = type
        headers[.cacheControl] = "no-store"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        // No script, no external anything: even an unescaped name could not run or load.
        headers[HTTPField.Name("Content-Security-Policy")!] = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
