/// File names in the outbox (docs/contract.md §1): which entries are ours, which kind of drop file each
/// is, and the NAME every produced file is known by. Pure: names are raw bytes as `readdir`
/// returns them, because a Linux file name need not be UTF-8.

/// What one file of a drop is, from its suffix.
package enum DropFileKind: String, Sendable, Equatable, Hashable, CaseIterable {
    /// `NAME.xml`
    case document
    /// `NAME.xml.gz`
    case gzDocument
    /// `NAME.json`, the commit marker.
    case sidecar
    /// `NAME.apprec.json`, a standalone AppRec answer (no XML).
    case appRec

    /// The suffix after NAME, including the dot.
    package var suffix: String {
        switch self {
        case .document: ".xml"
        case .gzDocument: ".xml.gz"
        case .sidecar: ".json"
        case .appRec: ".apprec.json"
        }
    }

    /// `.document` or `.gzDocument`.
    package var isDocument: Bool { self == .document || self == .gzDocument }

    /// The one claim ranking: a drop's files are claimed (and listed) document first and the
    /// sidecar, the commit marker, last, so that a claim cut short never holds a sidecar without
    /// the document it commits.
    package var claimRank: Int {
        switch self {
        case .document: 0
        case .gzDocument: 1
        case .appRec: 2
        case .sidecar: 3
        }
    }

    /// Longest suffix first, so `NAME.apprec.json` is never read as the sidecar of `NAME.apprec`.
    static let matchOrder: [DropFileKind] = [.appRec, .gzDocument, .document, .sidecar]
}

/// The NAME part of a drop's file names, with the safe form used in every file dropbridge writes.
package struct DropName: Hashable, Sendable, CustomStringConvertible {
    /// NAME exactly as on disk (without the kind suffix).
    package let bytes: [UInt8]
    /// NAME as it appears in produced files: the name itself when valid, otherwise its safe form
    /// (invalid bytes as `%XX`, over-long names cut to 180 bytes + `~` + 8 hex digits of a hash).
    package let safe: String
    /// Why NAME cannot be used as it is (nil when valid). One sentence for `NAME.error.json`.
    package let invalidReason: String?

    /// NAMEs longer than this (in bytes) are invalid.
    package static let maxBytes = 200
    /// Length an invalid NAME is cut to before the hash is appended.
    package static let cutBytes = 180

    package var isValid: Bool { invalidReason == nil }
    package var description: String { safe }

    package init(bytes: [UInt8]) {
        self.bytes = bytes
        let decoded = String(validating: bytes, as: UTF8.self)
        var reason: String?
        if decoded == nil {
            reason = "the file name is not valid UTF-8"
        } else if bytes.count > Self.maxBytes {
            reason = "the file name is longer than \(Self.maxBytes) bytes"
        }
        invalidReason = reason
        safe = reason == nil ? (decoded ?? "") : Self.safeForm(of: bytes)
    }

    package init(_ string: String) { self.init(bytes: Array(string.utf8)) }

    /// The file name of this NAME's file of the given kind, as raw bytes.
    package func entryName(_ kind: DropFileKind) -> [UInt8] { bytes + Array(kind.suffix.utf8) }

    /// `NAME~n` (n ≥ 2); `suffixed(name, 1)` is the name itself.
    package static func suffixed(_ name: String, _ n: Int) -> String {
        n <= 1 ? name : "\(name)~\(n)"
    }

    /// Invalid bytes as `%XX`; when the result is over `maxBytes` (or the raw name was), it is cut
    /// to `cutBytes` on a character boundary and `~` + FNV-1a-32 of the raw bytes is appended, so
    /// two long names that share a prefix still get different safe names.
    static func safeForm(of bytes: [UInt8]) -> String {
        var pieces: [String] = []
        var index = 0
        while index < bytes.count {
            let length = validSequenceLength(bytes, at: index)
            if length > 0 {
                pieces.append(String(decoding: bytes[index..<index + length], as: UTF8.self))
                index += length
            } else {
                pieces.append("%" + hex2(bytes[index]))
                index += 1
            }
        }
        let escaped = pieces.joined()
        guard bytes.count > maxBytes || escaped.utf8.count > maxBytes else { return escaped }
        var cut = ""
        var used = 0
        for piece in pieces {
            let size = piece.utf8.count
            if used + size > cutBytes { break }
            cut += piece
            used += size
        }
        return cut + "~" + hex8(fnv1a32(bytes))
    }

    /// Length of the well-formed UTF-8 sequence starting at `index`, or 0 when it is not one.
    static func validSequenceLength(_ bytes: [UInt8], at index: Int) -> Int {
        let lead = bytes[index]
        let length: Int
        switch lead {
        case 0x00...0x7F: return 1
        case 0xC2...0xDF: length = 2
        case 0xE0...0xEF: length = 3
        case 0xF0...0xF4: length = 4
        default: return 0
        }
        guard index + length <= bytes.count else { return 0 }
        return String(validating: bytes[index..<index + length], as: UTF8.self) == nil ? 0 : length
    }

    /// FNV-1a, 32 bits: stable across runs and platforms, no crypto needed for a name tag.
    package static func fnv1a32(_ bytes: [UInt8]) -> UInt32 {
        var hash: UInt32 = 0x811C_9DC5
        for byte in bytes {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    private static let hexDigits = Array("0123456789ABCDEF")
    static func hex2(_ byte: UInt8) -> String {
        String([hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 0x0F)]])
    }
    static func hex8(_ value: UInt32) -> String {
        let lower = Array("0123456789abcdef")
        return String((0..<8).reversed().map { lower[Int((value >> (UInt32($0) * 4)) & 0xF)] })
    }
}


/// What a raw directory entry name in the outbox is.
package enum DropEntryClass: Sendable, Equatable, Hashable {
    /// One file of a drop.
    case drop(DropName, DropFileKind)
    /// A producer's temporary or hidden file: never looked at.
    case ignored
    /// Some other file: not ours, left alone.
    case notOurs

    /// Ignored names: a leading dot, or one of the temp-file endings writers use.
    package static let ignoredSuffixes = [".tmp", ".part", ".partial", ".crdownload", ".swp"]

    package init(entryName name: [UInt8]) {
        if name.first == UInt8(ascii: ".") || name.isEmpty {
            self = .ignored
            return
        }
        for suffix in Self.ignoredSuffixes where name.hasByteSuffix(Array(suffix.utf8)) {
            self = .ignored
            return
        }
        for kind in DropFileKind.matchOrder {
            let suffix = Array(kind.suffix.utf8)
            // NAME must be non-empty: `.json` alone already counted as a dot-name above.
            if name.count > suffix.count, name.hasByteSuffix(suffix) {
                self = .drop(DropName(bytes: Array(name.dropLast(suffix.count))), kind)
                return
            }
        }
        self = .notOurs
    }

    package init(entryName name: String) { self.init(entryName: Array(name.utf8)) }

    /// A file that is not ours but ends like a drop file in other letter case (`NAME.XML`,
    /// `NAME.Json`): the NAME and the kind it looks like. It is left alone (the endings are
    /// lower case), but its producer meant a drop, so the outbox says so, and the other half
    /// of its pair, refused as an orphan, names it.
    package static func caseLookalike(_ name: [UInt8]) -> (name: DropName, kind: DropFileKind)? {
        guard DropEntryClass(entryName: name) == .notOurs else { return nil }
        let lowered = name.map { $0 >= UInt8(ascii: "A") && $0 <= UInt8(ascii: "Z") ? $0 + 32 : $0 }
        guard case let .drop(_, kind) = DropEntryClass(entryName: lowered) else { return nil }
        return (DropName(bytes: Array(name.dropLast(kind.suffix.utf8.count))), kind)
    }

    package var dropName: DropName? {
        if case let .drop(name, _) = self { return name }
        return nil
    }

    package var kind: DropFileKind? {
        if case let .drop(_, kind) = self { return kind }
        return nil
    }
}

extension Array where Element == UInt8 {
    fileprivate func hasByteSuffix(_ suffix: [UInt8]) -> Bool {
        count >= suffix.count && self[(count - suffix.count)...].elementsEqual(suffix)
    }
}
