import DropbridgeCore

/// One folder and the file endings that make a NAME taken there.
package struct NameCheck: Sendable, Equatable {
    package var directory: String
    /// E.g. `[".xml", ".xml.gz", ".json"]` for `sent/`.
    package var suffixes: [String]

    package init(directory: String, suffixes: [String]) {
        self.directory = directory
        self.suffixes = suffixes
    }

    /// The places an earlier drop leaves its NAME (docs/contract.md §1): `sent/`, `failed/`, `receipts/`.
    package static func contract(_ folders: BridgeConfig.Folders) -> [NameCheck] {
        [
            NameCheck(directory: folders.sent, suffixes: [".xml", ".xml.gz", ".json", ".apprec.json"]),
            NameCheck(
                directory: folders.failed,
                suffixes: [".xml", ".xml.gz", ".json", ".apprec.json", ".error.json"]),
            NameCheck(
                directory: folders.receipts,
                suffixes: [".sent.json", ".status.json", ".refused.json", ".apprec-sent.json"]),
        ]
    }
}

/// Picks `NAME`, `NAME~2`, `NAME~3`, … : the first that no earlier drop used in any of the
/// checked folders (and that `isTaken`, e.g. a ledger lookup, does not claim).
package enum FreeName {
    package static func pick(
        for base: String, checking checks: [NameCheck], maxTries: Int = 10_000,
        isTaken: (String) throws -> Bool = { _ in false }
    ) throws -> String {
        let directories = try checks.map { check in (check, try RawPath.openDirectory(check.directory)) }
        defer { for (_, fd) in directories { try? fd.close() } }
        for n in 1...max(1, maxTries) {
            let candidate = DropName.suffixed(base, n)
            var taken = try isTaken(candidate)
            for (check, fd) in directories where !taken {
                for suffix in check.suffixes {
                    if try RawPath.exists(Array((candidate + suffix).utf8), in: fd) {
                        taken = true
                        break
                    }
                }
            }
            if !taken { return candidate }
        }
        throw DurableFileError.exists(path: "\(base)~1…\(maxTries)")
    }
}
