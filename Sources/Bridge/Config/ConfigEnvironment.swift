/// The `DROPBRIDGE_*` environment variables that override configuration keys, named as
/// swift-configuration's environment provider names them (`nhn.baseURL` → `NHN_BASE_URL`).
package enum ConfigEnvironment {
    /// Every variable name a key answers to, with its key.
    package static var variables: [String: String] {
        Dictionary(ConfigKeys.leaves.map { ("DROPBRIDGE_" + name(of: $0), $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// `DROPBRIDGE_*` variables in `environment` that match no key (a typo is otherwise silently ignored).
    package static func unknown(in environment: [String: String]) -> [String] {
        let known = variables
        return environment.keys.filter { $0.hasPrefix("DROPBRIDGE_") && known[$0] == nil }.sorted()
    }

    /// What `run` logs and `check` fails with when variables match no key (nil: none do).
    package static func ignored(in environment: [String: String]) -> String? {
        let names = Self.unknown(in: environment)
        guard !names.isEmpty else { return nil }
        let verb = names.count == 1 ? "matches no configuration key and is" : "match no configuration key and are"
        return "\(names.joined(separator: ", ")) \(verb) ignored: check the spelling (`nhn.baseURL` is DROPBRIDGE_NHN_BASE_URL)"
    }

    /// camelCase word boundaries become `_`, then upper case; non-alphanumerics become `_`.
    static func name(of key: String) -> String {
        key.split(separator: ".").map { component -> String in
            var out = ""
            var previous: Character?
            for character in component {
                if let previous, previous.isLowercase, character.isUppercase { out.append("_") }
                out.append(character.isLetter || character.isNumber ? Character(character.uppercased()) : "_")
                previous = character
            }
            return out
        }.joined(separator: "_")
    }
}
