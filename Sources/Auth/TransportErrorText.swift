import Foundation
import NIOCore

/// One line an operator can read for an error of the HTTP stack (the token services', NHN's
/// and Altinn's clients all depend on this module). A socket error is told by its errno's own
/// words: NIO's description of a refused connection reads "connection reset (error set):
/// Connection refused) (errno: 111)", which names the wrong failure and is unbalanced.
package enum TransportErrorText {
    package static func describe(_ error: any Error, max: Int = 200) -> String {
        if let error = error as? IOError {
            return "\(String(cString: strerror(error.errnoCode))) (errno \(error.errnoCode))"
        }
        let text = "\(error)"
        return text.count > max ? String(text.prefix(max)) + "…" : text
    }
}
