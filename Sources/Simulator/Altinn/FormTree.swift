#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// A request's fields as a tree, whether they came as JSON or as flattened form fields
/// (`correspondence.content.attachments[0].fileName`), so one binder reads both.
/// Property names are matched case-insensitively, as ASP.NET does; dictionary keys keep their case.
indirect enum FormTree: Sendable, Equatable {
    /// A JSON string, or any form value (forms carry only text).
    case text(String)
    case number(Double)
    case bool(Bool)
    case null
    case list([FormTree])
    case object([(key: String, value: FormTree)])

    static func == (lhs: FormTree, rhs: FormTree) -> Bool {
        switch (lhs, rhs) {
        case (.text(let a), .text(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        case (.list(let a), .list(let b)): a == b
        case (.object(let a), .object(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
        default: false
        }
    }

    /// The member named `key`, compared case-insensitively.
    subscript(key: String) -> FormTree? {
        guard case .object(let members) = self else { return nil }
        let lowered = key.lowercased()
        return members.first { $0.key.lowercased() == lowered }?.value
    }

    // MARK: From JSON

    struct NotJSON: Error {
        var reason: String
    }

    static func json(_ bytes: [UInt8]) throws(NotJSON) -> FormTree {
        do {
            return try JSONDecoder().decode(JSONNode.self, from: Data(bytes)).tree
        } catch {
            throw NotJSON(reason: "The JSON value is not valid JSON.")
        }
    }

    /// Decodes any JSON value; JSONDecoder keeps `true` and `1` apart, which ASP.NET does too.
    private struct JSONNode: Decodable {
        var tree: FormTree

        init(from decoder: any Decoder) throws {
            if var list = try? decoder.unkeyedContainer() {
                var items: [FormTree] = []
                while !list.isAtEnd { items.append(try list.decode(JSONNode.self).tree) }
                tree = .list(items)
                return
            }
            if let object = try? decoder.container(keyedBy: AnyKey.self) {
                tree = .object(try object.allKeys.sorted { $0.stringValue < $1.stringValue }.map {
                    ($0.stringValue, try object.decode(JSONNode.self, forKey: $0).tree)
                })
                return
            }
            let value = try decoder.singleValueContainer()
            if value.decodeNil() {
                tree = .null
            } else if let bool = try? value.decode(Bool.self) {
                tree = .bool(bool)
            } else if let number = try? value.decode(Double.self) {
                tree = .number(number)
            } else {
                tree = .text(try value.decode(String.self))
            }
        }
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    // MARK: From form fields

    /// Builds the tree from `(name, value)` pairs. `a.b[0].c` nests; a repeated name without an
    /// index makes a list; an index after a gap is dropped (ASP.NET binds indexes from 0 up to
    /// the first missing one).
    static func form(_ fields: [(name: String, value: String)]) -> FormTree {
        var root = Node()
        for field in fields {
            let path = parse(field.name)
            // ASP.NET's MaxModelBindingRecursionDepth; also keeps the recursion below shallow.
            guard path.count <= maxDepth else { continue }
            root.insert(path: path[...], value: field.value)
        }
        return root.tree()
    }

    static let maxDepth = 32

    enum Segment: Equatable {
        case key(String)
        case index(Int)
    }

    /// `a.b[0].c` → key a, key b, index 0, key c. Brackets holding a non-number are a key
    /// (`propertyList[saksnr]`).
    static func parse(_ name: String) -> [Segment] {
        var segments: [Segment] = []
        var current = ""
        var index = name.startIndex
        while index < name.endIndex {
            let character = name[index]
            if character == "." {
                if !current.isEmpty { segments.append(.key(current)) }
                current = ""
            } else if character == "[", let close = name[index...].firstIndex(of: "]") {
                if !current.isEmpty { segments.append(.key(current)) }
                current = ""
                let inside = String(name[name.index(after: index)..<close])
                segments.append(Int(inside).map(Segment.index) ?? .key(inside))
                index = close
            } else {
                current.append(character)
            }
            index = name.index(after: index)
        }
        if !current.isEmpty { segments.append(.key(current)) }
        return segments
    }

    /// A mutable tree under construction.
    private struct Node {
        var values: [String] = []
        var members: [(key: String, node: Node)] = []
        var items: [Int: Node] = [:]

        mutating func insert(path: ArraySlice<Segment>, value: String) {
            guard let first = path.first else {
                values.append(value)
                return
            }
            switch first {
            case .key(let key):
                let lowered = key.lowercased()
                if let position = members.firstIndex(where: { $0.key.lowercased() == lowered }) {
                    members[position].node.insert(path: path.dropFirst(), value: value)
                } else {
                    var node = Node()
                    node.insert(path: path.dropFirst(), value: value)
                    members.append((key, node))
                }
            case .index(let position):
                items[position, default: Node()].insert(path: path.dropFirst(), value: value)
            }
        }

        func tree() -> FormTree {
            if !items.isEmpty {
                var list: [FormTree] = []
                var position = 0
                while let item = items[position] {
                    list.append(item.tree())
                    position += 1
                }
                return .list(list)
            }
            if !members.isEmpty { return .object(members.map { ($0.key, $0.node.tree()) }) }
            if values.count == 1 { return .text(values[0]) }
            if values.isEmpty { return .null }
            return .list(values.map(FormTree.text))
        }
    }
}
