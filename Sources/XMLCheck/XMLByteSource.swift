/// A document read in order, once, in pieces: the parser pulls from it as it goes, so the
/// document is never held whole beside libxml2's tree. The claimed drop file is one.
package protocol XMLByteSource: AnyObject {
    /// Copies the next bytes into `buffer` and returns how many (0 at the end). Throws on
    /// trouble reading, which is never the document's fault.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int
}

extension XMLByteSource {
    /// Up to `count` bytes from where the source stands (fewer only at its end).
    func readHead(_ count: Int) throws -> [UInt8] {
        var head = [UInt8](repeating: 0, count: count)
        var filled = 0
        while filled < count {
            let got = try head.withUnsafeMutableBytes { try read(into: UnsafeMutableRawBufferPointer(rebasing: $0[filled...])) }
            if got == 0 { break }
            filled += got
        }
        head.removeLast(count - filled)
        return head
    }
}
