import Glibc

/// A linear pre-scan that bounds the attributes of any one start tag before libxml2 sees the
/// bytes. libxml2 2.9 is quadratic in them twice over: its duplicate-attribute check compares
/// each attribute with every earlier one, and building the tree walks the element's attribute
/// list once per attribute. A 2 MB tag of 200,000 attributes pins a core for many minutes, and
/// the check comes only after the work, so the bound has to be enforced before parsing.
enum StartTagScan {
    /// No KITH element has more than a handful; 256 (namespace declarations included) leaves room
    /// for any XML an Altinn drop carries while keeping each tag's quadratic cost negligible.
    static let maxAttributes = 256

    /// The line of the first start tag with too many attributes in a document of any encoding
    /// family the parser takes. UTF-16 is narrowed to one byte per code unit first (every unit
    /// above ASCII becomes 0x80), so a `>` or quote byte inside a CJK character cannot end a tag
    /// early and hide attributes.
    static func lineOfTagWithTooManyAttributes(_ bytes: [UInt8]) -> Int? {
        switch EncodingSniff.unmarkedOrMarkedFamily(bytes) {
        case .asciiCompatible:
            return bytes.withUnsafeBufferPointer { lineOfTagWithTooManyAttributes($0) }
        case .utf16(let bigEndian):
            var narrowed = [UInt8](repeating: 0, count: bytes.count / 2)
            for index in narrowed.indices {
                let high = bytes[2 * index + (bigEndian ? 0 : 1)]
                let low = bytes[2 * index + (bigEndian ? 1 : 0)]
                narrowed[index] = high == 0 && low < 0x80 ? low : 0x80
            }
            return narrowed.withUnsafeBufferPointer { lineOfTagWithTooManyAttributes($0) }
        case .utf32:
            return nil  // refused before parsing (EncodingSniff.refusal)
        }
    }

    /// The 1-based line of the first start tag with more than `maxAttributes` attributes, or nil.
    /// Counts quoted values inside start tags: in well-formed XML each is one attribute or one
    /// namespace declaration. Comments, CDATA sections and processing instructions are skipped;
    /// text is skipped with memchr, so a large Base64 attachment costs one pass of memchr.
    static func lineOfTagWithTooManyAttributes(_ buffer: UnsafeBufferPointer<UInt8>) -> Int? {
        guard let base = buffer.baseAddress, !buffer.isEmpty else { return nil }
        let end = base + buffer.count

        func find(_ byte: UInt8, from start: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
            guard start < end, let hit = memchr(start, Int32(byte), end - start) else { return nil }
            return UnsafePointer(hit.assumingMemoryBound(to: UInt8.self))
        }
        func find(_ text: StaticString, from start: UnsafePointer<UInt8>) -> UnsafePointer<UInt8>? {
            // memmem is a GNU extension Glibc's Swift module does not export.
            var from = start
            while let hit = find(text.utf8Start.pointee, from: from) {
                if startsWith(text, at: hit) { return hit }
                from = hit + 1
            }
            return nil
        }
        func startsWith(_ text: StaticString, at position: UnsafePointer<UInt8>) -> Bool {
            let count = text.utf8CodeUnitCount
            return end - position >= count && memcmp(position, text.utf8Start, count) == 0
        }

        var cursor = base
        while let lessThan = find(UInt8(ascii: "<"), from: cursor) {
            let after = lessThan + 1
            if startsWith("!--", at: after) {
                guard let close = find("-->", from: after + 3) else { return nil }
                cursor = close + 3
            } else if startsWith("![CDATA[", at: after) {
                guard let close = find("]]>", from: after + 8) else { return nil }
                cursor = close + 3
            } else if startsWith("?", at: after) {
                guard let close = find("?>", from: after + 1) else { return nil }
                cursor = close + 2
            } else if startsWith("!", at: after) {
                // A DOCTYPE: the parser refuses it before reading it; nothing to bound here.
                return nil
            } else {
                var position = after
                var quotedValues = 0
                while position < end {
                    let byte = position.pointee
                    if byte == UInt8(ascii: ">") || byte == UInt8(ascii: "<") { break }
                    if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
                        guard let close = find(byte, from: position + 1) else { return nil }
                        quotedValues += 1
                        if quotedValues > maxAttributes { return line(of: lessThan, from: base) }
                        position = close + 1
                    } else {
                        position += 1
                    }
                }
                cursor = position
            }
        }
        return nil
    }

    private static func line(of position: UnsafePointer<UInt8>, from base: UnsafePointer<UInt8>) -> Int {
        var line = 1
        var cursor = base
        while cursor < position, let hit = memchr(cursor, 0x0A, position - cursor) {
            line += 1
            cursor = UnsafePointer(hit.assumingMemoryBound(to: UInt8.self)) + 1
        }
        return line
    }
}
