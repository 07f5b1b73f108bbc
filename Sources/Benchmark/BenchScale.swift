import Bridge
import DropbridgeCore
import Demo
import Foundation
import Ledger
import Logging

/// `bench --scale`: cost that must not grow with backlog or history, each in a bridge of its
/// own (a fresh folder) against the same simulator.
///
/// - backlog: 20,000 drops already waiting in `outbox/` when the bridge starts; drained at
///   what fraction of the burst rate, with what peak RSS;
/// - history: a ledger holding 1,000,000 finished drops; a burst of the same size claimed at
///   what fraction of the fresh ledger's rate, and how long `status`'s summary takes.
struct ScaleBench {
    let root: String
    let port: Int
    let keyFile: String
    let maskinportenKey: String
    let samples: String
    let template: String
    let burstDrops: Int
    /// The fresh bridge's burst rate in the same run.
    let burstRate: Double
    var backlogDrops = 20_000
    var historyDrops = 1_000_000

    struct Report: Codable {
        struct Backlog: Codable {
            var drops: Int
            var dropsPerSecond: Double
            var ofBurstRate: Double
            var peakRSSBytes: Int
            var baselineRSSBytes: Int
        }
        struct History: Codable {
            var finishedDrops: Int
            var drops: Int
            var dropsPerSecond: Double
            var ofFreshRate: Double
            var statusSeconds: Double
        }
        var backlog: Backlog
        var history: History
    }

    func run(logger: Logger) async throws -> Report {
        // Backlog: every drop in place before the bridge starts.
        let backlogRoot = root + "/backlog"
        let backlogConfig = Bench.bridgeConfig(root: backlogRoot, port: port, keyFile: keyFile, maskinportenKey: maskinportenKey, samples: samples)
        let backlogProducer = try producer(for: backlogConfig, root: backlogRoot)
        for index in 0..<backlogDrops { try backlogProducer.release(try backlogProducer.stage("backlog-\(index)")) }
        let baseline = MemoryUsage.resetPeak()
        let backlogSeconds = try await drain(backlogConfig, count: backlogDrops, logger: logger) { _ in }
        let peak = MemoryUsage.peakBytes()

        // History: a million finished drops in the ledger, then a burst.
        let historyRoot = root + "/history"
        let historyConfig = Bench.bridgeConfig(root: historyRoot, port: port, keyFile: keyFile, maskinportenKey: maskinportenKey, samples: samples)
        let historyProducer = try producer(for: historyConfig, root: historyRoot)
        try FileManager.default.createDirectory(atPath: historyConfig.stateDirectory, withIntermediateDirectories: true)
        do {
            let ledger = try Ledger(path: historyConfig.stateDirectory + "/ledger.sqlite")
            try ledger.addFinishedHistory(count: historyDrops, prefix: "history", filedAt: Timestamp.now() - 86_400)
        }
        var names: [String] = []
        for index in 0..<burstDrops { names.append(try historyProducer.stage("fresh-\(index)")) }
        var statusSeconds = 0.0
        let historySeconds = try await drain(historyConfig, count: burstDrops, logger: logger) { runtime in
            for name in names { try historyProducer.release(name) }
        } after: { runtime in
            let start = ContinuousClock.now
            _ = try runtime.ledger.summary()
            statusSeconds = (ContinuousClock.now - start).seconds
        }
        let backlogRate = Double(backlogDrops) / backlogSeconds
        let historyRate = Double(burstDrops) / historySeconds
        return Report(
            backlog: .init(
                drops: backlogDrops, dropsPerSecond: backlogRate.rounded(toPlaces: 1),
                ofBurstRate: (backlogRate / burstRate).rounded(toPlaces: 3), peakRSSBytes: peak, baselineRSSBytes: baseline),
            history: .init(
                finishedDrops: historyDrops, drops: burstDrops, dropsPerSecond: historyRate.rounded(toPlaces: 1),
                ofFreshRate: (historyRate / burstRate).rounded(toPlaces: 3), statusSeconds: statusSeconds.rounded(toPlaces: 3)))
    }

    private func producer(for config: BridgeConfig, root: String) throws -> BenchProducer {
        let producer = BenchProducer(outbox: config.folders.outbox, staging: root + "/.staging", template: template)
        for folder in [producer.staging, config.folders.outbox] {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        }
        return producer
    }

    /// Starts a bridge on `config`, runs `start`, and returns the seconds from the start until
    /// `count` drops are in `sent/`; `after` runs before the bridge stops.
    private func drain(
        _ config: BridgeConfig, count: Int, logger: Logger, start: (BridgeRuntime) throws -> Void,
        after: (BridgeRuntime) throws -> Void = { _ in }
    ) async throws -> Double {
        let credentials = try await Credentials.load(config, file: "bench")
        var began = ContinuousClock.now
        return try await BenchBridge.run(config, credentials: credentials, logger: logger, beforeStart: { _ in began = .now }) { runtime in
            try start(runtime)
            try await BenchBridge.wait(until: "\(count) drops are drained", timeout: .seconds(1800), poll: .milliseconds(5)) {
                await runtime.progress.count(.sent) >= count
            }
            let seconds = (ContinuousClock.now - began).seconds
            try after(runtime)
            return seconds
        }
    }
}
