import Foundation

/// Turns the reports of one or more runs into the printed JSON: each throughput (a figure
/// named `…PerSecond`) also as a ratio to the same run's `limits.durableWritesPerSecond`, and
/// with `--runs N` the median, minimum and maximum of every figure over the runs.
package enum BenchSummary {
    static let limitKey = "limits.durableWritesPerSecond"

    /// The report's numbers by dotted path ("outbound.latencyMs.p99"), ratios added (not for
    /// the steady rate the latency was measured at: that is a setting, not a throughput).
    static func figures(of report: Bench.Report) throws -> [String: Double] {
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(report))
        var figures: [String: Double] = [:]
        flatten(object, prefix: "", into: &figures)
        if let limit = figures[limitKey], limit > 0 {
            for (key, value) in figures where key.hasSuffix("PerSecond") && key != limitKey && !key.contains("latencyMs.") {
                figures["ratios." + key] = (value / limit).rounded(toPlaces: 3)
            }
        }
        return figures
    }

    /// One run: the report as it is, with its ratios. Several: median, min and max per figure.
    package static func json(_ reports: [Bench.Report], machine: [String: String]) throws -> String {
        var output: [String: Any] = ["machine": machine]
        let runs = try reports.map(figures(of:))
        if runs.count == 1, let only = reports.first {
            let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(only))
            if var dictionary = object as? [String: Any] {
                dictionary["ratios"] = ratios(runs[0])
                output.merge(dictionary) { _, new in new }
            }
        } else {
            var median: [String: Double] = [:]
            var minimum: [String: Double] = [:]
            var maximum: [String: Double] = [:]
            for key in Set(runs.flatMap(\.keys)) {
                let values = runs.compactMap { $0[key] }.sorted()
                guard let low = values.first, let high = values.last else { continue }
                let middle = values.count % 2 == 1
                    ? values[values.count / 2] : (values[values.count / 2 - 1] + values[values.count / 2]) / 2
                median[key] = middle.rounded(toPlaces: 3)
                minimum[key] = low
                maximum[key] = high
            }
            output["runs"] = runs.count
            output["median"] = median
            output["min"] = minimum
            output["max"] = maximum
        }
        let data = try JSONSerialization.data(withJSONObject: output, options: [.sortedKeys])
        return String(decoding: data, as: UTF8.self)
    }

    private static func ratios(_ figures: [String: Double]) -> [String: Double] {
        var ratios: [String: Double] = [:]
        for (key, value) in figures where key.hasPrefix("ratios.") { ratios[String(key.dropFirst("ratios.".count))] = value }
        return ratios
    }

    private static func flatten(_ value: Any, prefix: String, into figures: inout [String: Double]) {
        if let dictionary = value as? [String: Any] {
            for (key, inner) in dictionary { flatten(inner, prefix: prefix.isEmpty ? key : prefix + "." + key, into: &figures) }
        } else if let number = value as? NSNumber {  // the report holds no booleans
            figures[prefix] = number.doubleValue
        }
    }
}
