// TEMP until XMLCheck lands: a FoundationXML stand-in for `WellFormedness` + `XMLValidator`.
// Delete this file and use `XMLCheckInspector` once `Sources/XMLCheck` provides them.
import DropbridgeCore

#if canImport(FoundationXML)
import FoundationXML
#else
import Foundation
#endif

struct XMLCheckInspector: DocumentInspecting {
    func inspect(_ bytes: [UInt8]) -> InspectedDocument {
        let collector = TempCollector()
        let parser = XMLParser(data: Data(bytes))
        parser.shouldProcessNamespaces = true
        parser.shouldResolveExternalEntities = false
        parser.delegate = collector
        guard parser.parse() else {
            let error = parser.parserError.map { "\($0.localizedDescription)" } ?? "not well-formed XML"
            return .malformed([LineError(line: parser.lineNumber, column: parser.columnNumber, message: error)])
        }
        switch (collector.rootNamespace, collector.rootName) {
        case (KITHNamespace.msgHead, "MsgHead"):
            return .msgHead(MsgHeadInfo(
                msgId: collector.text["MsgHead/MsgInfo/MsgId"], messageType: collector.msgType,
                senderHerId: collector.innermostSenderHerId))
        case (KITHNamespace.appRec10, "AppRec"), (KITHNamespace.appRec11, "AppRec"):
            return .appRec(AppRecInfo(id: collector.text["AppRec/Id"]))
        default:
            return .other
        }
    }
}

private final class TempCollector: NSObject, XMLParserDelegate {
    var rootName: String?
    var rootNamespace: String?
    var path: [String] = []
    var text: [String: String] = [:]
    var current = ""
    var msgType: String?
    var innermostSenderHerId: Int?
    private var senderDepthOfHer = -1
    private var pendingTypeIsHer = false
    private var pendingId: String?

    func parser(
        _ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
        attributes: [String: String] = [:]
    ) {
        if rootName == nil {
            rootName = name
            rootNamespace = namespaceURI
        }
        path.append(name)
        current = ""
        let joined = path.joined(separator: "/")
        if joined == "MsgHead/MsgInfo/Type" { msgType = attributes["V"] }
        if name == "Ident" { pendingId = nil; pendingTypeIsHer = false }
        if name == "TypeId", path.dropLast().last == "Ident", attributes["V"] == "HER" { pendingTypeIsHer = true }
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { current += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        let joined = path.joined(separator: "/")
        text[joined] = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if name == "Id", path.dropLast().last == "Ident" { pendingId = text[joined] }
        if name == "Ident", pendingTypeIsHer, joined.hasPrefix("MsgHead/MsgInfo/Sender/"),
            path.count > senderDepthOfHer, let id = pendingId.flatMap({ Int($0) })
        {
            senderDepthOfHer = path.count
            innermostSenderHerId = id
        }
        path.removeLast()
        current = ""
    }
}
