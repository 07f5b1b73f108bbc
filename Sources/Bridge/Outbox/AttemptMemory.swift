/// An honest estimate of one send attempt's peak memory, reserved in the `ByteBudget` before
/// the document is read. A plain document is parsed as it is read and sent from its file, so
/// what is held is libxml2's tree (about the document's size for a KITH message, whose bulk is
/// one Base64Container text node) and at most one more copy (a re-encoded UTF-8 document, or
/// the schema validator's normalized text), plus the body's chunk buffers. A `.xml.gz` also
/// holds the bytes as dropped and the inflated XML, which it is then sent from.
package enum AttemptMemory {
    /// The request's chunks in flight (a few of 256 KiB, with their base64) and the rest.
    static let overhead = 2 * 1024 * 1024

    /// `fileBytes`: the claimed document's size; `inflatedBytes`: what a `.xml.gz` says it
    /// inflates to (nil for plain XML). Inflating never goes past `maxBytes`.
    package static func estimate(fileBytes: Int, inflatedBytes: Int?, maxBytes: Int) -> Int {
        let raw = min(max(fileBytes, 0), maxBytes)
        guard let inflatedBytes else { return 2 * raw + overhead }
        let xml = min(max(inflatedBytes, 0), maxBytes)
        return raw + xml + 2 * xml + overhead
    }
}
