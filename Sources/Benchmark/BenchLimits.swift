import AsyncHTTPClient
import Auth
import Demo
import Foundation
import NIOCore

#if canImport(Glibc)
import Glibc
#endif

/// What the machine itself allows, measured in the same run and on the same filesystem as the
/// bridge, so that each throughput can be read as a ratio to it.
struct MachineLimits: Codable {
    /// Durable small writes one at a time: 4 KB to a temp file, fsync, rename, fsync of the
    /// folder (what every output of the bridge costs at least).
    var durableWritesPerSecond: Double
    /// The median time of the file fsync in those writes.
    var fsyncMs: Double
    /// The simulator's answers per second to an authenticated empty `POST /messages` (HelseID
    /// token and a fresh DPoP proof on each, four at a time): the service's own ceiling.
    var simulatorAnswersPerSecond: Double
}

enum DurableWriteProbe {
    /// Durable writes in `folder` for about `seconds` (at most `limit` files).
    static func measure(in folder: String, seconds: Double = 2, limit: Int = 2000) throws -> (perSecond: Double, fsyncMs: Double) {
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let directory = open(folder, O_RDONLY | O_DIRECTORY)
        guard directory >= 0 else { throw DemoError("bench: cannot open \(folder)") }
        defer { close(directory) }
        let block = [UInt8](repeating: 0x61, count: 4096)
        var fsyncTimes: [Double] = []
        let start = ContinuousClock.now
        var written = 0
        while written < limit, (ContinuousClock.now - start).seconds < seconds {
            let temp = folder + "/.probe-\(written).tmp"
            let file = open(temp, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0o600)
            guard file >= 0 else { throw DemoError("bench: cannot create \(temp)") }
            let count = block.withUnsafeBytes { write(file, $0.baseAddress, $0.count) }
            let before = ContinuousClock.now
            let synced = fsync(file)
            fsyncTimes.append((ContinuousClock.now - before).seconds * 1000)
            close(file)
            guard count == block.count, synced == 0, rename(temp, folder + "/probe-\(written)") == 0, fsync(directory) == 0 else {
                throw DemoError("bench: a durable write in \(folder) failed")
            }
            written += 1
        }
        let elapsed = (ContinuousClock.now - start).seconds
        fsyncTimes.sort()
        return (Double(written) / elapsed, fsyncTimes.isEmpty ? 0 : fsyncTimes[fsyncTimes.count / 2])
    }
}

enum AnswerRateProbe {
    /// Authenticated empty `POST /messages` calls for about `seconds`, `concurrency` at a time;
    /// answers per second. The simulator refuses the empty body (400) only after checking the
    /// token, the DPoP proof and the headers, which is its cost per call.
    static func measure(
        baseURL: String, authorizer: any RequestAuthorizer, seconds: Double = 2, concurrency: Int = 4
    ) async throws -> Double {
        let url = baseURL + "/messages"
        let start = ContinuousClock.now
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<concurrency {
                group.addTask {
                    var answers = 0
                    while (ContinuousClock.now - start).seconds < seconds {
                        var request = HTTPClientRequest(url: url)
                        request.method = .POST
                        request.headers.add(name: "api-version", value: "3")
                        request.headers.add(name: "nhn-source-system", value: "dropbridge-bench")
                        request.headers.add(name: "Accept", value: "application/json")
                        request.headers.add(name: "Content-Type", value: "application/json")
                        request.body = .bytes(ByteBuffer(string: "{}"))
                        try await authorizer.authorize(&request, method: "POST", url: url)
                        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
                        _ = try await response.body.collect(upTo: 1 << 20)
                        guard response.status.code != 401, response.status.code != 403 else {
                            throw DemoError("bench: the simulator refused the probe's credentials (\(response.status.code))")
                        }
                        answers += 1
                    }
                    return answers
                }
            }
            return try await group.reduce(0, +)
        }
        return Double(answered) / (ContinuousClock.now - start).seconds
    }
}
