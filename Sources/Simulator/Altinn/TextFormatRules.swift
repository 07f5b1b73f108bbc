import Crypto

/// What Altinn calls plain text and Markdown (reference §3.4): a title may not start a
/// Markdown heading nor contain HTML; a body is CommonMark, so raw HTML outside code fails.
enum TextFormatRules {
    static func isPlainText(_ text: String) -> Bool {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let content = line.drop { $0 == " " }
            // ATX heading: 1–6 `#` followed by a space or the line's end.
            let hashes = content.prefix { $0 == "#" }
            if (1...6).contains(hashes.count), content.count == hashes.count || content.dropFirst(hashes.count).first == " " {
                return false
            }
        }
        return !containsHTMLTag(text[...])
    }

    static func isMarkdown(_ text: String) -> Bool {
        !containsHTMLTag(withoutCode(text)[...])
    }

    /// The text with fenced code blocks and inline code spans removed (HTML inside code is text).
    static func withoutCode(_ text: String) -> String {
        var kept: [Substring] = []
        var fence: Substring?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmedLine = line.drop { $0 == " " }
            let marker = trimmedLine.prefix { $0 == "`" }.count >= 3 ? "```" : (trimmedLine.prefix { $0 == "~" }.count >= 3 ? "~~~" : nil)
            if let open = fence {
                if trimmedLine.hasPrefix(open) { fence = nil }
                continue
            }
            if let marker {
                fence = Substring(marker)
                continue
            }
            // An indented code block line.
            if line.hasPrefix("    ") || line.hasPrefix("\t") { continue }
            kept.append(line)
        }
        // Inline code spans: drop what is between matching backtick runs.
        var result = ""
        var inSpan = false
        for character in kept.joined(separator: "\n") {
            if character == "`" {
                inSpan.toggle()
                continue
            }
            if !inSpan { result.append(character) }
        }
        return result
    }

    /// `<tag …>`, `</tag>`, `<!-- … -->` or `<!DOCTYPE …>`: what CommonMark passes through as raw HTML.
    static func containsHTMLTag(_ text: Substring) -> Bool {
        var index = text.startIndex
        while let open = text[index...].firstIndex(of: "<") {
            let after = text.index(after: open)
            guard after < text.endIndex else { return false }
            var cursor = after
            if text[cursor] == "/" || text[cursor] == "!" { cursor = text.index(after: cursor) }
            if cursor < text.endIndex, text[cursor].isASCII, text[cursor].isLetter || text[after] == "!" {
                // A tag name, then attributes up to `>` on the same line.
                if let close = text[cursor...].firstIndex(where: { $0 == ">" || $0 == "<" || $0 == "\n" }), text[close] == ">" {
                    let name = text[cursor..<close].prefix { $0.isLetter || $0.isNumber || $0 == "-" }
                    // `<https://…>` is an autolink, not HTML.
                    let isAutolink = text[cursor..<close].contains(":") && !text[cursor..<close].contains(" ")
                    if (!name.isEmpty || text[after] == "!"), !isAutolink { return true }
                }
            }
            index = after
        }
        return false
    }
}

enum Checksums {
    static func md5Hex(_ bytes: [UInt8]) -> String {
        Insecure.MD5.hash(data: bytes).map { hex($0) }.joined()
    }

    static func sha256Hex(_ bytes: [UInt8]) -> String {
        SHA256.hash(data: bytes).map { hex($0) }.joined()
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789abcdef")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
