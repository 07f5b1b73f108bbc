import DropFolder
import DropbridgeCore
import Foundation

/// Writes a received message into `inbox/` the Maildir way: the document first, then its
/// `.json` (the commit marker for consumers), each durable and never clobbering. Writing the same
/// message again (a repeated notification, or a crash between the two files) finds its own
/// files and completes what is missing, so a message yields one inbox pair.
package struct InboxWriter: Sendable {
    package let inbox: String
    package let durable: DurableFiles

    package init(inbox: String, durable: DurableFiles) {
        self.inbox = inbox
        self.durable = durable
    }

    /// Returns the NAME used (`inbox/NAME.xml`, `inbox/NAME.json`).
    @discardableResult
    package func write(document: [UInt8], metadata: InboxMetadata) throws -> String {
        let name = Self.fileName(forMessageId: metadata.messageId)
        let json = try ContractJSON.encode(metadata)
        try createOrFind(document, named: name + ".xml")
        try createOrFind(json, named: name + ".json", sameIf: { existing in
            // The metadata holds the time it was written: the same message is what matters.
            (try? JSONDecoder().decode(InboxMetadata.self, from: Data(existing)))?.messageId == metadata.messageId
        })
        return name
    }

    /// NHN's message ids are GUIDs; anything else is made safe for a file name.
    package static func fileName(forMessageId id: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
        if !id.isEmpty, id.count <= 120, id.allSatisfy({ allowed.contains($0) }) { return id }
        return DropName(Array(id.utf8).map { allowed.contains(Character(Unicode.Scalar($0))) ? String(Unicode.Scalar($0)) : String(format: "%%%02X", $0) }.joined()).safe
    }

    private func createOrFind(_ bytes: [UInt8], named name: String, sameIf isSame: (([UInt8]) -> Bool)? = nil) throws {
        do {
            try durable.create(bytes, in: inbox, named: name)
        } catch DurableFileError.exists(let path) {
            let existing = [UInt8]((try? Data(contentsOf: URL(fileURLWithPath: path))) ?? Data())
            guard existing == bytes || isSame?(existing) == true else {
                throw InboxConflict(path: path)
            }
            // Ours from an interrupted run: perhaps renamed but not yet durable.
            try durable.syncExisting(name, in: inbox)
        }
    }
}

/// `inbox/` holds a different file under the name this message needs: never overwritten.
package struct InboxConflict: Error, CustomStringConvertible {
    package var path: String
    package var description: String { "\(path) exists with other content; it is not overwritten" }
}
