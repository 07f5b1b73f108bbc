/// A `multipart/form-data` body (RFC 7578) split into its parts, binary-safe: a part's content
/// is the exact bytes between its headers and the next delimiter.
struct MultipartFormData: Sendable, Equatable {
    struct Part: Sendable, Equatable {
        /// `Content-Disposition: form-data; name="…"`.
        var name: String
        /// Present for file parts (`filename="…"` or RFC 5987 `filename*=UTF-8''…`).
        var fileName: String?
        var contentType: String?
        var content: [UInt8]

        /// The content as UTF-8 text (form fields); invalid UTF-8 is repaired, as ASP.NET does.
        var text: String { String(decoding: content, as: UTF8.self) }
    }

    /// Why a body could not be read as multipart; the message is what ASP.NET says, roughly.
    struct Malformed: Error, Sendable, Equatable {
        var reason: String
    }

    /// ASP.NET's `FormOptions` defaults: 16 KB of headers per part, 1024 form values.
    static let maxHeaderBytes = 16 * 1024
    static let maxParts = 1024

    var parts: [Part]

    /// The boundary of a `multipart/form-data` Content-Type, nil when it is another type or
    /// the boundary is missing, empty or longer than RFC 2046's 70 characters.
    static func boundary(contentType: String) -> String? {
        let pieces = contentType.split(separator: ";").map { trimmed(String($0)) }
        guard let mediaType = pieces.first, mediaType.lowercased() == "multipart/form-data" else { return nil }
        for parameter in pieces.dropFirst() {
            guard let equals = parameter.firstIndex(of: "=") else { continue }
            let key = trimmed(String(parameter[..<equals])).lowercased()
            var value = trimmed(String(parameter[parameter.index(after: equals)...]))
            if value.count >= 2, value.hasPrefix("\""), value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            if key == "boundary", (1...70).contains(value.utf8.count) { return value }
        }
        return nil
    }

    static func isMultipartFormData(_ contentType: String) -> Bool {
        let mediaType = trimmed(String(contentType.split(separator: ";", maxSplits: 1).first ?? ""))
        return mediaType.lowercased() == "multipart/form-data"
    }

    init(parts: [Part]) { self.parts = parts }

    init(body: [UInt8], boundary: String) throws(Malformed) {
        let delimiter = Array("--\(boundary)".utf8)
        // The first delimiter may start the body or follow a preamble after CRLF.
        guard var position = Self.firstDelimiter(delimiter, in: body) else {
            throw Malformed(reason: "Multipart body has no boundary '\(boundary)'.")
        }
        let separator = Array("\r\n".utf8) + delimiter
        var parts: [Part] = []
        while true {
            position += delimiter.count
            // `--` after a delimiter closes the body; anything after it is epilogue.
            if body.count >= position + 2, body[position] == UInt8(ascii: "-"), body[position + 1] == UInt8(ascii: "-") {
                break
            }
            // Transport padding (spaces, tabs) may follow a delimiter before its CRLF.
            while position < body.count, body[position] == UInt8(ascii: " ") || body[position] == UInt8(ascii: "\t") {
                position += 1
            }
            guard Self.hasCRLF(body, at: position) else {
                throw Malformed(reason: "Unexpected end of multipart body: a boundary is not followed by CRLF.")
            }
            position += 2
            guard let headerEnd = Self.find(Array("\r\n\r\n".utf8), in: body, from: position, limit: Self.maxHeaderBytes) else {
                throw Malformed(reason: "Multipart part headers are missing their end or longer than \(Self.maxHeaderBytes) bytes.")
            }
            let headers = try Self.headers(Array(body[position..<headerEnd]))
            position = headerEnd + 4
            guard let contentEnd = Self.find(separator, in: body, from: position) else {
                throw Malformed(reason: "Unexpected end of multipart body: the last part is not closed by its boundary.")
            }
            parts.append(Part(
                name: headers.name, fileName: headers.fileName, contentType: headers.contentType,
                content: Array(body[position..<contentEnd])))
            guard parts.count <= Self.maxParts else {
                throw Malformed(reason: "Form value count limit \(Self.maxParts) exceeded.")
            }
            position = contentEnd + 2
        }
        self.parts = parts
    }

    // MARK: Parsing helpers

    private static func firstDelimiter(_ delimiter: [UInt8], in body: [UInt8]) -> Int? {
        if body.starts(with: delimiter) { return 0 }
        return find(Array("\r\n".utf8) + delimiter, in: body, from: 0).map { $0 + 2 }
    }

    private static func hasCRLF(_ body: [UInt8], at index: Int) -> Bool {
        body.count >= index + 2 && body[index] == 13 && body[index + 1] == 10
    }

    /// The index of `needle` in `haystack` at or after `start` (and, with `limit`, starting
    /// within `limit` bytes of it).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, limit: Int? = nil) -> Int? {
        guard let first = needle.first, haystack.count >= needle.count else { return nil }
        var index = start
        let last = min(haystack.count - needle.count, limit.map { start + $0 } ?? Int.max)
        while index <= last {
            if haystack[index] == first {
                var matched = true
                for offset in 1..<needle.count where haystack[index + offset] != needle[offset] {
                    matched = false
                    break
                }
                if matched { return index }
            }
            index += 1
        }
        return nil
    }

    private struct PartHeaders {
        var name: String
        var fileName: String?
        var contentType: String?
    }

    private static func headers(_ bytes: [UInt8]) throws(Malformed) -> PartHeaders {
        let text = String(decoding: bytes, as: UTF8.self)
        var disposition: String?
        var contentType: String?
        for line in text.components(separatedBy: "\r\n") where !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else {
                throw Malformed(reason: "Invalid header line in a multipart part.")
            }
            let name = trimmed(String(line[..<colon])).lowercased()
            let value = trimmed(String(line[line.index(after: colon)...]))
            switch name {
            case "content-disposition": disposition = value
            case "content-type": contentType = value
            default: break
            }
        }
        guard let disposition else { throw Malformed(reason: "A multipart part has no Content-Disposition.") }
        let parameters = dispositionParameters(disposition)
        guard parameters.type == "form-data", let name = parameters.values["name"] else {
            throw Malformed(reason: "A multipart part's Content-Disposition is not form-data with a name.")
        }
        let fileName = parameters.values["filename*"].flatMap(decodeExtendedValue) ?? parameters.values["filename"]
        return PartHeaders(name: name, fileName: fileName, contentType: contentType)
    }

    /// `form-data; name="a"; filename="b;c.xml"`: the type and its parameters (quoted strings
    /// may contain `;` and escaped quotes).
    static func dispositionParameters(_ value: String) -> (type: String, values: [String: String]) {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in value {
            if escaped {
                current.append(character)
                escaped = false
            } else if quoted, character == "\\" {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ";", !quoted {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)
        let type = trimmed(pieces.first ?? "").lowercased()
        var values: [String: String] = [:]
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            values[trimmed(String(piece[..<equals])).lowercased()] = trimmed(String(piece[piece.index(after: equals)...]))
        }
        return (type, values)
    }

    /// RFC 5987 `UTF-8''na%C3%AFve.xml`.
    static func decodeExtendedValue(_ value: String) -> String? {
        let pieces = value.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard pieces.count == 3, pieces[0].lowercased() == "utf-8" else { return nil }
        var bytes: [UInt8] = []
        var iterator = Array(pieces[2].utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(validating: bytes, as: UTF8.self)
    }
}
