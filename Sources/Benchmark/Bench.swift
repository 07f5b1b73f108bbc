import AsyncHTTPClient
import Auth
import Bridge
import Demo
import DropFolder
import DropbridgeCore
import Foundation
import Ledger
import Logging
import NIOCore

/// `dropbridge bench`: the bridge in this process against `dropbridge simulate` in another,
/// over loopback, in a folder under `--dir` (the filesystem the figures are about). One run:
///
/// - limits: what the machine allows on that filesystem (see `MachineLimits`);
/// - idle: the bridge started, with nothing to do for a few seconds (stream open): RSS and CPU;
/// - large document: one 30 MB document; seconds to acceptance and the peak resident memory
///   of this process while it was sent (VmHWM, reset before);
/// - burst: N small MsgHead drops renamed into `outbox/` at once; drops per second from the
///   first rename to the last `NAME.sent.json`, syncs (file layer + ledger commits) and CPU
///   per drop;
/// - latency: drops at a steady 50 per second; drop (sidecar renamed in) to acceptance (the
///   ledger's `acceptedAt`), p50 and p99;
/// - inbound: messages pre-loaded into the simulator, then a bridge of its own started and
///   drained (notification → durable inbox pair → downloaded mark); messages per second, CPU each;
/// - altinn: a burst of Altinn drops (Maskinporten, the exchange, the multipart upload);
/// - scale (`--scale`): see `ScaleBench`.
package struct Bench {
    var drops: Int
    /// The folder this run works in (created, removed after).
    var root: String
    var inboundMessages: Int = 2000
    var idleSeconds: Int = 10
    /// Also measure cost against backlog and history (`ScaleBench`).
    var scale = false

    package init(drops: Int, root: String, inboundMessages: Int = 2000, idleSeconds: Int = 10, scale: Bool = false) {
        self.drops = drops
        self.root = root
        self.inboundMessages = inboundMessages
        self.idleSeconds = idleSeconds
        self.scale = scale
    }

    package struct Report: Codable {
        struct Outbound: Codable {
            var drops: Int
            var dropsPerSecond: Double
            /// fsync/fdatasync calls of the file layer plus ledger commits, per drop, in the burst.
            var syncsPerDrop: Double
            var fileSyncsPerDrop: Double
            var ledgerCommitsPerDrop: Double
            var cpuMsPerDrop: Double
            var latencyMs: Latency
            var largeDocument: Large
        }
        struct Latency: Codable {
            var p50: Double
            var p99: Double
            var drops: Int
            var ratePerSecond: Double
        }
        struct Large: Codable {
            var bytes: Int
            var seconds: Double
            var peakRSSBytes: Int
            var baselineRSSBytes: Int
            /// `burstDocuments` documents of `burstDocumentBytes` renamed in at once: peak RSS
            /// while they are sent, against `memory.inFlightBytes` (`budgetBytes`) and the
            /// most the budget held at once.
            var burstDocuments: Int
            var burstDocumentBytes: Int
            var burstSeconds: Double
            var burstPeakRSSBytes: Int
            var burstBaselineRSSBytes: Int
            var budgetBytes: Int
            var budgetHighWaterBytes: Int
        }
        struct Inbound: Codable {
            var messages: Int
            var messagesPerSecond: Double
            var cpuMsPerMessage: Double
        }
        var limits: MachineLimits
        var outbound: Outbound
        var inbound: Inbound
        var idle: IdleUsage
        /// A burst of Altinn drops to one organisation each: rename → `NAME.sent.json`.
        struct Altinn: Codable {
            var drops: Int
            var dropsPerSecond: Double
        }
        var altinn: Altinn
        var scale: ScaleBench.Report?
    }

    package func run() async throws -> Report {
        let logger = Logger(label: "dropbridge.bench")
        let samples = try DemoSetup.samplesDirectory(given: nil)
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let keyFile = try DemoSetup.helseIDKey(root: root)
        let maskinportenKey = try DemoSetup.maskinportenKey(root: root)
        let simulator = try SimulatorProcess.start(
            maxRequestBytes: 64_000_000,
            clients: [
                (DemoSetup.clientID, KeyPairFiles.publicKeyFile(for: keyFile)),
                (DemoSetup.maskinportenClientID, KeyPairFiles.publicKeyFile(for: maskinportenKey)),
            ])
        defer { simulator.stop() }

        let config = Self.bridgeConfig(root: root, port: simulator.port, keyFile: keyFile, maskinportenKey: maskinportenKey, samples: samples)
        let credentials = try await Credentials.load(config, file: "bench")

        // The machine first, on the same filesystem, before the bridge runs.
        let durable = try DurableWriteProbe.measure(in: root + "/.limits")
        let answers = try await AnswerRateProbe.measure(
            baseURL: config.nhn.baseURL,
            authorizer: credentials.nhnRequestAuthorizer(httpClient: HTTPClient.shared, timeoutSeconds: 30))
        let limits = MachineLimits(
            durableWritesPerSecond: durable.perSecond.rounded(toPlaces: 1), fsyncMs: durable.fsyncMs.rounded(toPlaces: 3),
            simulatorAnswersPerSecond: answers.rounded(toPlaces: 1))

        let template = try String(contentsOfFile: samples + "/outbox/01-dialog-helsefaglig.xml", encoding: .utf8)
        let runtime = try BridgeRuntime(config: config, credentials: credentials, logger: logger)
        let commits = LedgerCommitCounter()
        runtime.ledger.countCommits(with: commits)
        let stopSwitch = StopSwitch()
        let bridge = Task { try await runtime.run(logger: logger, companions: [stopSwitch], signals: []) }
        defer { stopSwitch.flip() }

        // Idle: started (registered, the stream open), nothing to do.
        try await Task.sleep(for: .seconds(2))
        let idle = try await IdleUsage.measure(seconds: idleSeconds)

        let producer = BenchProducer(outbox: config.folders.outbox, staging: root + "/.staging", template: template)
        try FileManager.default.createDirectory(atPath: producer.staging, withIntermediateDirectories: true)

        // One 30 MB document, while the process holds little else.
        // Staged to disk and let go before measuring: the bench's own copy must not count.
        let largeBytes = try producer.stageLarge(from: samples + "/outbox/04-dialog-with-attachment.xml", bytes: 30_000_000, as: "large-30mb")
        let baseline = MemoryUsage.resetPeak()
        let largeStart = ContinuousClock.now
        try producer.release("large-30mb")
        try await waitForReceipts(runtime.progress, count: 1, timeout: .seconds(300))
        let largeSeconds = (ContinuousClock.now - largeStart).seconds
        let peak = MemoryUsage.peakBytes()

        // 32 documents of 20 MB at once: the byte budget, not the count of sends, bounds memory.
        let burstLarge = (count: 32, bytes: 20_000_000)
        let burstLargeNames = try producer.stageLargeBurst(
            from: samples + "/outbox/04-dialog-with-attachment.xml", bytes: burstLarge.bytes, count: burstLarge.count, prefix: "large-burst")
        let burstBaseline = MemoryUsage.resetPeak()
        let burstLargeStart = ContinuousClock.now
        for name in burstLargeNames { try producer.release(name) }
        try await waitForReceipts(runtime.progress, count: 1 + burstLarge.count, timeout: .seconds(600))
        let burstLargeSeconds = (ContinuousClock.now - burstLargeStart).seconds
        let burstPeak = MemoryUsage.peakBytes()
        let sentBefore = 1 + burstLarge.count

        // Burst.
        var burstNames: [String] = []
        for index in 0..<drops { burstNames.append(try producer.stage("burst-\(index)")) }
        let syncsBefore = SyncCounter.shared.counts
        let commitsBefore = commits.count
        let burstUsage = ProcessUsage.now()
        let burstStart = ContinuousClock.now
        for name in burstNames { try producer.release(name) }
        try await waitForReceipts(runtime.progress, count: drops + sentBefore, timeout: .seconds(600))
        let burstSeconds = (ContinuousClock.now - burstStart).seconds
        let burstCPU = ProcessUsage.cpuMs(since: burstUsage, per: drops)
        let fileSyncs = (SyncCounter.shared.counts - syncsBefore).total
        let ledgerCommits = commits.count - commitsBefore

        // Steady 50 drops/s.
        let steadyCount = 500
        var droppedAt: [String: Double] = [:]
        let steadyStart = ContinuousClock.now
        for index in 0..<steadyCount {
            let name = try producer.stage("steady-\(index)")
            let due = steadyStart + .milliseconds(20 * index)
            try await Task.sleep(until: due, clock: .continuous)
            try producer.release(name)
            droppedAt[name] = Date().timeIntervalSince1970
        }
        try await waitForReceipts(runtime.progress, count: drops + steadyCount + sentBefore, timeout: .seconds(300))
        var latencies: [Double] = []
        for (name, dropped) in droppedAt {
            if let accepted = try runtime.ledger.drop(named: name)?.acceptedAt {
                latencies.append((accepted - dropped) * 1000)
            }
        }
        latencies.sort()

        // Altinn: one correspondence per drop (multipart upload, key recorded before each).
        let altinnCount = max(1, drops / 4)
        var altinnNames: [String] = []
        for index in 0..<altinnCount { altinnNames.append(try producer.stageAltinn("altinn-\(index)")) }
        let altinnStart = ContinuousClock.now
        for name in altinnNames { try producer.release(name) }
        try await waitForReceipts(runtime.progress, count: drops + steadyCount + sentBefore + altinnCount, timeout: .seconds(600))
        let altinnSeconds = (ContinuousClock.now - altinnStart).seconds

        stopSwitch.flip()
        _ = try? await bridge.value

        // Inbound: pre-loaded into the simulator before a bridge of its own starts, so the
        // drain is the bridge's own rate, not the injections'.
        let inboundConfig = Self.bridgeConfig(
            root: root + "/inbound", port: simulator.port, keyFile: keyFile, maskinportenKey: maskinportenKey, samples: samples)
        try await simulator.inject(count: inboundMessages, document: template, receiver: DemoSetup.ownHerIds[0])
        let inbound = try await drainInbound(inboundConfig, credentials: credentials, logger: logger)

        let burstRate = Double(drops) / burstSeconds
        let scaleReport = scale
            ? try await ScaleBench(
                root: root, port: simulator.port, keyFile: keyFile, maskinportenKey: maskinportenKey, samples: samples, template: template, burstDrops: drops,
                burstRate: burstRate
            ).run(logger: logger)
            : nil
        let perDrop = { (count: Int) in (Double(count) / Double(drops)).rounded(toPlaces: 2) }
        return Report(
            limits: limits,
            outbound: .init(
                drops: drops, dropsPerSecond: burstRate.rounded(toPlaces: 1),
                syncsPerDrop: perDrop(fileSyncs + ledgerCommits), fileSyncsPerDrop: perDrop(fileSyncs),
                ledgerCommitsPerDrop: perDrop(ledgerCommits), cpuMsPerDrop: burstCPU,
                latencyMs: .init(
                    p50: percentile(latencies, 0.50).rounded(toPlaces: 1), p99: percentile(latencies, 0.99).rounded(toPlaces: 1),
                    drops: latencies.count, ratePerSecond: 50),
                largeDocument: .init(
                    bytes: largeBytes, seconds: largeSeconds.rounded(toPlaces: 2), peakRSSBytes: peak, baselineRSSBytes: baseline,
                    burstDocuments: burstLarge.count, burstDocumentBytes: burstLarge.bytes, burstSeconds: burstLargeSeconds.rounded(toPlaces: 2),
                    burstPeakRSSBytes: burstPeak, burstBaselineRSSBytes: burstBaseline, budgetBytes: runtime.memoryBudget.capacity,
                    budgetHighWaterBytes: runtime.memoryBudget.highWater)),
            inbound: inbound,
            idle: idle,
            altinn: .init(drops: altinnCount, dropsPerSecond: (Double(altinnCount) / altinnSeconds).rounded(toPlaces: 1)),
            scale: scaleReport)
    }

    /// Starts a bridge on `config` and measures it receiving the messages waiting for it.
    private func drainInbound(_ config: BridgeConfig, credentials: Credentials, logger: Logger) async throws -> Report.Inbound {
        var usage = ProcessUsage.now()
        var start = ContinuousClock.now
        let seconds = try await BenchBridge.run(
            config, credentials: credentials, logger: logger,
            beforeStart: { _ in
                usage = ProcessUsage.now()
                start = .now
            }
        ) { runtime in
            try await BenchBridge.wait(until: "\(inboundMessages) messages are received", timeout: .seconds(600), poll: .milliseconds(10)) {
                try runtime.ledger.inboundDownloadedCount() >= inboundMessages
            }
            return (ContinuousClock.now - start).seconds
        }
        let cpu = ProcessUsage.cpuMs(since: usage, per: inboundMessages)
        return Report.Inbound(
            messages: inboundMessages, messagesPerSecond: (Double(inboundMessages) / seconds).rounded(toPlaces: 1), cpuMsPerMessage: cpu)
    }

    /// The bench's bridge: authenticated as in production (a HelseID token and a DPoP proof on
    /// every call), receiving by stream.
    static func bridgeConfig(root: String, port: Int, keyFile: String, maskinportenKey: String, samples: String) -> BridgeConfig {
        var config = BridgeConfig(root: root)
        config.schemas.directory = samples + "/schemas"
        config.nhn.baseURL = "http://127.0.0.1:\(port)"
        config.nhn.senderHerId = DemoSetup.ownHerIds[0]
        config.nhn.herIds = [DemoSetup.ownHerIds[0]]
        config.nhn.receive = .stream
        config.helseID.tokenEndpoint = "http://127.0.0.1:\(port)/connect/token"
        config.helseID.clientId = DemoSetup.clientID
        config.helseID.privateKeyFile = keyFile
        config.outbox.settleMilliseconds = 100
        config.outbox.rescanSeconds = 5
        // Altinn as in production: a Maskinporten grant exchanged for an Altinn token.
        let origin = "http://127.0.0.1:\(port)"
        config.altinn.enabled = true
        config.altinn.baseURL = origin
        config.altinn.resourceId = DemoSetup.altinnResource
        config.altinn.maskinporten.tokenEndpoint = origin + "/maskinporten/token"
        config.altinn.maskinporten.audience = origin + "/maskinporten/"
        config.altinn.maskinporten.clientId = DemoSetup.maskinportenClientID
        config.altinn.maskinporten.privateKeyFile = maskinportenKey
        return config
    }

    package static var machine: [String: String] {
        ["cores": "\(ProcessInfo.processInfo.activeProcessorCount)", "build": buildKind]
    }

    static var buildKind: String {
        #if DEBUG
        "debug (use -c release for real figures)"
        #else
        "release"
        #endif
    }

    /// Waits until `count` drops are filed in `sent/` (their receipts written). Asks the
    /// bridge's progress record rather than listing folders, which would cost the bridge CPU.
    private func waitForReceipts(_ progress: OutboxProgress, count: Int, timeout: Duration) async throws {
        try await BenchBridge.wait(until: "\(count) drops are in sent/", timeout: timeout, poll: .milliseconds(2)) {
            await progress.count(.sent) >= count
        }
    }

    private func percentile(_ sorted: [Double], _ p: Double) -> Double {
        guard !sorted.isEmpty else { return 0 }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }
}

/// Writes drops like a careful producer: staged on the same filesystem, renamed in, sidecar last.
struct BenchProducer {
    let outbox: String
    let staging: String
    let template: String
    let sidecar = Data(#"{"receiverHerIds":[8094866]}"#.utf8)

    func stage(_ name: String) throws -> String {
        let xml = template.replacingOccurrences(of: "6f1b2c3d-0001-4a00-9000-000000000001", with: "bench-\(name)-\(UUID().uuidString)")
        try Data(xml.utf8).write(to: URL(fileURLWithPath: staging + "/" + name + ".xml"))
        try sidecar.write(to: URL(fileURLWithPath: staging + "/" + name + ".json"))
        return name
    }

    /// An Altinn drop: a small letter (its own content, so its own keys) to one organisation.
    func stageAltinn(_ name: String) throws -> String {
        let xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Brev xmlns=\"urn:example:bench\"><Id>\(name)-\(UUID().uuidString)</Id></Brev>\n"
        let sidecar = """
            { "channel": "altinn", "recipients": ["urn:altinn:organization:identifier-no:910753614"], "sendersReference": "\(name)",
              "content": { "messageTitle": "Bench \(name)", "messageBody": "Vedlagt." } }
            """
        try Data(xml.utf8).write(to: URL(fileURLWithPath: staging + "/" + name + ".xml"))
        try Data(sidecar.utf8).write(to: URL(fileURLWithPath: staging + "/" + name + ".json"))
        return name
    }

    func release(_ name: String) throws {
        for suffix in [".xml", ".json"] {
            guard rename(staging + "/" + name + suffix, outbox + "/" + name + suffix) == 0 else {
                throw DemoError("bench: cannot rename \(name)\(suffix) into the outbox")
            }
        }
    }

    /// Stages the large document; returns its size.
    func stageLarge(from sample: String, bytes: Int, as name: String) throws -> Int {
        let document = try largeDocument(from: sample, bytes: bytes)
        try Data(document).write(to: URL(fileURLWithPath: staging + "/" + name + ".xml"))
        try sidecar.write(to: URL(fileURLWithPath: staging + "/" + name + ".json"))
        return document.count
    }

    /// `count` large documents (each its own MsgId), staged; returns their names.
    func stageLargeBurst(from sample: String, bytes: Int, count: Int, prefix: String) throws -> [String] {
        let document = try largeDocument(from: sample, bytes: bytes)
        // The sample's MsgId (a UUID) sits near the start; each copy gets its own of equal length.
        let sampleId = Array("6f1b2c3d-0004-4a00-9000-000000000004".utf8)
        guard let at = (0..<min(8192, document.count - sampleId.count)).first(where: { document[$0..<$0 + sampleId.count].elementsEqual(sampleId) })
        else { throw DemoError("bench: the attachment sample's MsgId is not where it was") }
        let rest = Data(document[(at + sampleId.count)...])
        var names: [String] = []
        for index in 0..<count {
            let name = "\(prefix)-\(index)"
            let url = URL(fileURLWithPath: staging + "/" + name + ".xml")
            FileManager.default.createFile(atPath: url.path, contents: Data(document[..<at]) + Data(UUID().uuidString.lowercased().utf8))
            let handle = try FileHandle(forWritingTo: url)
            try handle.seekToEnd()
            try handle.write(contentsOf: rest)
            try handle.close()
            try sidecar.write(to: URL(fileURLWithPath: staging + "/" + name + ".json"))
            names.append(name)
        }
        return names
    }

    /// The attachment sample with its Base64Container grown until the document is `bytes` long.
    func largeDocument(from sample: String, bytes: Int) throws -> [UInt8] {
        let text = try String(contentsOfFile: sample, encoding: .utf8)
        guard let open = text.range(of: "base64container\">"), let close = text.range(of: "</Base64Container>") else {
            throw DemoError("bench: the attachment sample has no Base64Container")
        }
        let head = Array(text[..<open.upperBound].utf8)
        let tail = Array(text[close.lowerBound...].utf8)
        var filler = max(0, bytes - head.count - tail.count)
        filler -= filler % 4
        var document = head
        document.reserveCapacity(bytes)
        document += String(repeating: "QUJD", count: filler / 4).utf8
        document += tail
        return document
    }
}

/// `dropbridge simulate` in a child process.
struct SimulatorProcess {
    let process: Process
    let port: Int

    static func start(maxRequestBytes: Int, clients: [(id: String, publicKeyFile: String)]) throws -> SimulatorProcess {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        // The outbound drops' receiver (8094866) is an "own" HER-id of the simulator that the
        // bridge does not read for: its messages neither answer nor load the receiving side.
        process.arguments = [
            "simulate", "--listen", "127.0.0.1:0", "--max-request-bytes", "\(maxRequestBytes)", "--log-level", "error",
            "--own-her-ids", "8143060", "8094866",
        ] + clients.flatMap { ["--client", "\($0.id)=\($0.publicKeyFile)"] }
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var buffer = Data()
        let deadline = Date().addingTimeInterval(30)
        while Date() < deadline {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            let text = String(decoding: buffer, as: UTF8.self)
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("simulator listening on") }),
                let port = line.split(separator: ":").last.flatMap({ Int($0) })
            {
                return SimulatorProcess(process: process, port: port)
            }
        }
        process.terminate()
        throw DemoError("bench: the simulator process did not start")
    }

    func stop() {
        process.terminate()
        process.waitUntilExit()
    }

    /// Puts `count` messages for `receiver` into the simulator (through `/_sim/inject`), eight
    /// at a time.
    func inject(count: Int, document: String, receiver: Int) async throws {
        let port = port
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<8 {
                group.addTask {
                    for index in stride(from: worker, to: count, by: 8) {
                        let xml = document.replacingOccurrences(
                            of: "6f1b2c3d-0001-4a00-9000-000000000001", with: "inbound-\(index)-\(UUID().uuidString)")
                        let body = try JSONSerialization.data(
                            withJSONObject: ["senderHerId": 8094866, "receiverHerIds": [receiver], "document": xml])
                        var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)/_sim/inject")
                        request.method = .POST
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(bytes: body))
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                        guard response.status.code == 201 else { throw DemoError("bench: the simulator refused an injection") }
                    }
                }
            }
            try await group.waitForAll()
        }
    }
}

enum MemoryUsage {
    /// Resets the kernel's peak-RSS mark for this process (clear_refs 5) and returns the current RSS.
    static func resetPeak() -> Int {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
        return statusField("VmRSS")
    }

    static func peakBytes() -> Int { statusField("VmHWM") }

    static func currentBytes() -> Int { statusField("VmRSS") }

    /// The private part of the RSS (heap, stacks): what this process alone costs.
    static func anonymousBytes() -> Int { statusField("RssAnon") }

    /// The file-backed part (the binary's and libraries' pages it touched): shared with every
    /// other process mapping the same files, and the kernel can drop it under pressure.
    static func fileBytes() -> Int { statusField("RssFile") }

    private static func statusField(_ field: String) -> Int {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
        for line in status.split(separator: "\n") where line.hasPrefix(field + ":") {
            let kilobytes = line.split(separator: " ").compactMap { Int($0) }.first ?? 0
            return kilobytes * 1024
        }
        return 0
    }
}

extension Double {
    func rounded(toPlaces places: Int) -> Double {
        let factor = Foundation.pow(10, Double(places))
        return (self * factor).rounded() / factor
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
