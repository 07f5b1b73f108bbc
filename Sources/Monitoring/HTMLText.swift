import Bridge

/// Text made safe for the status page: control characters made visible (as in the log), then
/// HTML-escaped (`&`, `<`, `>`, `"`, `'`), so a hostile drop name can neither run script, nor
/// leave an attribute, nor break a line. Eleven digits in a row (the shape of a Norwegian
/// identity number) are hidden wherever they come from.
enum HTMLText {
    static func escape(_ text: String) -> String {
        let visible = Redaction.maskIdentityNumbers(LogEscaping.escaped(text))
        var out = ""
        out.reserveCapacity(visible.utf8.count)
        for character in visible {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(character)
            }
        }
        return out
    }
}

/// Hides what looks like a fødselsnummer or D-number (exactly 11 digits, not part of a longer
/// number) in text an operator reads outside the log: reasons may quote a document's values.
public enum Redaction {
    public static func maskIdentityNumbers(_ text: String) -> String {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count >= 11 else { return text }
        var out = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            guard isDigit(scalars[index]) else {
                out.append(scalars[index])
                index += 1
                continue
            }
            var end = index
            while end < scalars.count, isDigit(scalars[end]) { end += 1 }
            if end - index == 11 {
                out.append(contentsOf: "[11 digits hidden]".unicodeScalars)
            } else {
                out.append(contentsOf: scalars[index..<end])
            }
            index = end
        }
        return String(out)
    }

    private static func isDigit(_ scalar: Unicode.Scalar) -> Bool { ("0"..."9").contains(scalar) }
}
