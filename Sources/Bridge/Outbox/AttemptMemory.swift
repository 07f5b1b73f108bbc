/// An honest estimate of one send attempt's peak memory, reserved in the `ByteBudget` before
/// the document is read: the bytes as dropped, the inflated XML of a `.xml.gz`, a re-encoded
/// UTF-8 copy (Latin-1 or a BOM), and the base64 request body (4/3), plus a little for the rest.
package enum AttemptMemory {
    static let overhead = 64 * 1024

    /// `fileBytes`: the claimed document's size; `inflatedBytes`: what a `.xml.gz` says it
    /// inflates to (nil for plain XML). Inflating never goes past `maxBytes`.
    package static func estimate(fileBytes: Int, inflatedBytes: Int?, maxBytes: Int) -> Int {
        let raw = min(max(fileBytes, 0), maxBytes)
        let xml = inflatedBytes.map { min(max($0, 0), maxBytes) } ?? raw
        let inflated = inflatedBytes == nil ? 0 : xml
        return raw + inflated + xml + (xml + 2) / 3 * 4 + overhead
    }
}
