/// Lenient field readers for NHN's answers (docs/nhn-edi.md §6: the v3 schema is not
/// verified, so unknown fields are ignored and a field of an unexpected type reads as absent
/// instead of failing the whole answer).
extension KeyedDecodingContainer {
    func lenientString(_ key: Key) -> String? {
        if let text = try? decodeIfPresent(String.self, forKey: key) { return text }
        if let number = try? decodeIfPresent(Int64.self, forKey: key) { return String(number) }
        return nil
    }

    /// A number, or a string holding one.
    func lenientInt64(_ key: Key) -> Int64? {
        if let number = try? decodeIfPresent(Int64.self, forKey: key) { return number }
        if let text = try? decodeIfPresent(String.self, forKey: key) { return Int64(text) }
        return nil
    }

    func lenientInt(_ key: Key) -> Int? { lenientInt64(key).flatMap { Int(exactly: $0) } }

    func lenientBool(_ key: Key) -> Bool? { (try? decodeIfPresent(Bool.self, forKey: key)) ?? nil }

    func lenientIntArray(_ key: Key) -> [Int]? {
        if let numbers = try? decodeIfPresent([Int].self, forKey: key) { return numbers }
        if let texts = try? decodeIfPresent([String].self, forKey: key) { return texts.compactMap { Int($0) } }
        return nil
    }
}

/// Any JSON object key, for containers read by name.
struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}
