import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Copies the sample drops into the outbox the way a careful producer does: each file written
/// under a dot-name and renamed in, the XML first and the sidecar (the commit marker) last.
package enum DemoSeeder {
    package static func seed(from samples: String, into outbox: String) throws -> [String] {
        let names = try FileManager.default.contentsOfDirectory(atPath: samples).filter { !$0.hasPrefix(".") }.sorted()
        let ordered = names.filter { !$0.hasSuffix(".json") } + names.filter { $0.hasSuffix(".json") }
        var drops = Set<String>()
        for name in ordered {
            let data = try Data(contentsOf: URL(fileURLWithPath: samples + "/" + name))
            let temp = outbox + "/." + name + ".seeding"
            try data.write(to: URL(fileURLWithPath: temp))
            guard rename(temp, outbox + "/" + name) == 0 else { throw DemoError("cannot seed \(name)") }
            drops.insert(dropName(of: name))
        }
        return drops.sorted()
    }

    package static func dropName(of file: String) -> String {
        for suffix in [".apprec.json", ".xml.gz", ".xml", ".json"] where file.hasSuffix(suffix) {
            return String(file.dropLast(suffix.count))
        }
        return file
    }

    package static func copySchemas(from source: String, to target: String) throws {
        try? FileManager.default.removeItem(atPath: target)
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        for name in try FileManager.default.contentsOfDirectory(atPath: source) where name.hasSuffix(".xsd") {
            try FileManager.default.copyItem(atPath: source + "/" + name, toPath: target + "/" + name)
        }
    }
}
