import Glibc

/// A linear scan that bounds the attributes of any one start tag before libxml2 sees the
/// bytes. libxml2 2.9 is quadratic in them twice over: its duplicate-attribute check compares
/// each attribute with every earlier one, and building the tree walks the element's attribute
/// list once per attribute. A 2 MB tag of 200,000 attributes pins a core for many minutes, and
/// the check comes only after the work, so the bound has to be enforced before parsing.
///
/// The scanner is fed the bytes in the pieces libxml2 is handed (`SafeParser` feeds each piece
/// before passing it on), so it works alike on a document in memory and one read from its file,
/// and libxml2 never holds a tag past the bound.
struct StartTagScan {
    /// No KITH element has more than a handful; 256 (namespace declarations included) leaves room
    /// for any XML an Altinn drop carries while keeping each tag's quadratic cost negligible.
    static let maxAttributes = 256

    /// Where the scan is between two pieces.
    private enum Mode: Equatable {
        case text
        /// After `<`: the bytes seen so far, until they tell a comment, CDATA, PI, DOCTYPE or tag.
        case markupStart([UInt8])
        /// Inside a comment, CDATA section or processing instruction: how much of its end
        /// (`-->`, `]]>`, `?>`) has been matched.
        case skipping(end: [UInt8], matched: Int)
        /// Inside a start tag, having counted `values` quoted values.
        case tag(values: Int)
        case quoted(quote: UInt8, values: Int)
        /// A DOCTYPE: the parser refuses it before reading it; nothing more to bound.
        case stopped
    }

    private var mode = Mode.text
    private let utf16BigEndian: Bool?
    /// A UTF-16 code unit's first byte, when a piece ended inside it.
    private var pendingByte: UInt8?
    private var line = 1
    private var tagLine = 1
    /// The line of the first tag over the bound, once found.
    private(set) var refusedLine: Int?
    /// The line of the first NUL character, once seen: XML never holds one, and libxml2 takes it
    /// for the end of the input ("Premature end of data"), which tells an operator nothing.
    private(set) var nulLine: Int?

    /// `head`: the document's first bytes (four are enough), for its encoding family. UTF-16 is
    /// narrowed to one byte per code unit first (every unit above ASCII becomes 0x80), so a `>`
    /// or quote byte inside a CJK character cannot end a tag early and hide attributes.
    init(head: [UInt8]) {
        switch EncodingSniff.unmarkedOrMarkedFamily(head) {
        case .asciiCompatible: utf16BigEndian = nil
        case .utf16(let bigEndian): utf16BigEndian = bigEndian
        case .utf32:
            utf16BigEndian = nil
            mode = .stopped  // refused before parsing (EncodingSniff.refusal)
        }
    }

    /// Scans the next piece; afterwards `refusedLine` says whether a tag went over the bound.
    mutating func feed(_ piece: UnsafeRawBufferPointer) {
        guard refusedLine == nil, mode != .stopped, !piece.isEmpty else { return }
        guard let bigEndian = utf16BigEndian else {
            scan(piece.bindMemory(to: UInt8.self))
            return
        }
        var units: [UInt8] = []
        units.reserveCapacity(piece.count / 2 + 1)
        var index = 0
        if let first = pendingByte {
            units.append(Self.narrowed(first, piece[0], bigEndian: bigEndian))
            pendingByte = nil
            index = 1
        }
        while index + 1 < piece.count {
            units.append(Self.narrowed(piece[index], piece[index + 1], bigEndian: bigEndian))
            index += 2
        }
        if index < piece.count { pendingByte = piece[index] }
        units.withUnsafeBufferPointer { scan($0) }
    }

    private static func narrowed(_ first: UInt8, _ second: UInt8, bigEndian: Bool) -> UInt8 {
        let (high, low) = bigEndian ? (first, second) : (second, first)
        return high == 0 && low < 0x80 ? low : 0x80
    }

    /// Counts quoted values inside start tags: in well-formed XML each is one attribute or one
    /// namespace declaration. Text and quoted values are skipped with memchr, so a large Base64
    /// attachment costs one pass of memchr.
    private mutating func scan(_ buffer: UnsafeBufferPointer<UInt8>) {
        guard let base = buffer.baseAddress else { return }
        let end = base + buffer.count
        if nulLine == nil, let nul = find(0, from: base, end: end) {
            var newlines = 0
            var cursor = base
            while cursor < nul, let hit = memchr(cursor, 0x0A, nul - cursor) {
                newlines += 1
                cursor = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) + 1
            }
            nulLine = line + newlines
        }
        var position = base
        while position < end, refusedLine == nil {
            switch mode {
            case .stopped:
                return
            case .text:
                guard let lessThan = find(UInt8(ascii: "<"), from: position, end: end) else {
                    countLines(from: position, to: end)
                    return
                }
                countLines(from: position, to: lessThan)
                tagLine = line
                mode = .markupStart([])
                position = lessThan + 1
            case .markupStart(var seen):
                seen.append(position.pointee)
                let next = Self.markup(after: seen)
                mode = next
                // A tag's first byte is looked at again as the tag's own.
                if case .tag = next { continue }
                if position.pointee == 0x0A { line += 1 }
                position += 1
            case .skipping(let close, let matched):
                if matched == 0 {
                    guard let first = find(close[0], from: position, end: end) else {
                        countLines(from: position, to: end)
                        return
                    }
                    countLines(from: position, to: first)
                    position = first + 1
                    mode = .skipping(end: close, matched: 1)
                    continue
                }
                let byte = position.pointee
                if byte == 0x0A { line += 1 }
                position += 1
                // The longest end of what was matched plus this byte that begins `close`
                // (so `--->` still ends a comment).
                var candidate = Array(close[..<matched]) + [byte]
                while !close.starts(with: candidate) { candidate.removeFirst() }
                mode = candidate.count == close.count ? .text : .skipping(end: close, matched: candidate.count)
            case .tag(let values):
                let byte = position.pointee
                position += 1
                if byte == 0x0A { line += 1 }
                if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "<") {
                    mode = .text
                    if byte == UInt8(ascii: "<") { position -= 1 }
                } else if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                    if values + 1 > Self.maxAttributes {
                        refusedLine = tagLine
                        return
                    }
                    mode = .quoted(quote: byte, values: values + 1)
                }
            case .quoted(let quote, let values):
                guard let close = find(quote, from: position, end: end) else {
                    countLines(from: position, to: end)
                    return
                }
                countLines(from: position, to: close)
                position = close + 1
                mode = .tag(values: values)
            }
        }
    }

    /// What follows `<` once `seen` decides it (or `markupStart` while it cannot yet).
    private static func markup(after seen: [UInt8]) -> Mode {
        for (start, close) in [("!--", "-->"), ("![CDATA[", "]]>"), ("?", "?>")] {
            let opening = Array(start.utf8)
            if seen.count >= opening.count, seen.starts(with: opening) { return .skipping(end: Array(close.utf8), matched: 0) }
            if opening.starts(with: seen) { return .markupStart(seen) }
        }
        if seen.first == UInt8(ascii: "!") { return .stopped }
        return .tag(values: 0)
    }

    private func find(_ byte: UInt8, from start: UnsafePointer<UInt8>, end: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
        guard start < end, let hit = memchr(start, Int32(byte), end - start) else { return nil }
        return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
    }

    private mutating func countLines(from start: UnsafePointer<UInt8>, to stop: UnsafePointer<UInt8>) {
        var cursor = start
        while cursor < stop, let hit = memchr(cursor, 0x0A, stop - cursor) {
            line += 1
            cursor = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) + 1
        }
    }
}
