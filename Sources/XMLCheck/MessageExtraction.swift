import CLibXML2
import DropbridgeCore

/// Reads the routing and correlation fields of a MsgHead or AppRec (docs/docs/docs/kith-messages.md §5).
enum MessageExtraction {
    static func msgHead(root: xmlNodePtr) -> MsgHeadInfo? {
        let ns = KITHNamespace.msgHead
        guard DocumentTree.isElement(root, named: "MsgHead", in: ns) else { return nil }
        let msgInfo = DocumentTree.child(root, "MsgInfo", in: ns)
        var info = MsgHeadInfo()
        guard let msgInfo else { return info }
        info.msgId = DocumentTree.text(DocumentTree.child(msgInfo, "MsgId", in: ns))
        info.messageType = DocumentTree.child(msgInfo, "Type", in: ns)
            .flatMap { DocumentTree.attribute($0, "V") }.map(DocumentTree.trimmed)
        info.genDate = DocumentTree.text(DocumentTree.child(msgInfo, "GenDate", in: ns))
        info.senderHerId = DocumentTree.child(msgInfo, "Sender", in: ns).flatMap(innermostHerId)
        info.receiverHerId = DocumentTree.child(msgInfo, "Receiver", in: ns).flatMap(innermostHerId)
        return info
    }

    /// The HER ident of the last element (in document order) under `party` that has an
    /// `Ident` whose `TypeId/@V` is `HER` after trimming: the most specific organisation or
    /// healthcare professional, however deeply nested.
    static func innermostHerId(under party: xmlNodePtr) -> Int? {
        let ns = KITHNamespace.msgHead
        var found: String?
        DocumentTree.forEachElement(under: party) { element in
            guard element != party else { return }
            for ident in DocumentTree.children(element, "Ident", in: ns) where isHerIdent(ident) {
                found = DocumentTree.text(DocumentTree.child(ident, "Id", in: ns))
                break
            }
        }
        return found.flatMap { Int($0) }
    }

    private static func isHerIdent(_ ident: xmlNodePtr) -> Bool {
        DocumentTree.children(ident, "TypeId", in: KITHNamespace.msgHead).contains { typeId in
            DocumentTree.attribute(typeId, "V").map(DocumentTree.trimmed) == "HER"
        }
    }

    static func appRec(root: xmlNodePtr) -> AppRecInfo? {
        guard let ns = DocumentTree.namespaceURI(root),
              ns == KITHNamespace.appRec10 || ns == KITHNamespace.appRec11,
              DocumentTree.isElement(root, named: "AppRec", in: ns)
        else { return nil }
        var info = AppRecInfo()
        info.id = DocumentTree.text(DocumentTree.child(root, "Id", in: ns))
        info.originalMsgId = DocumentTree.text(DocumentTree.path(root, ["OriginalMsgId", "Id"], in: ns))
        info.status = DocumentTree.child(root, "Status", in: ns)
            .flatMap { DocumentTree.attribute($0, "V") }.map(DocumentTree.trimmed)
        info.errorCodes = DocumentTree.children(root, "Error", in: ns)
            .compactMap { DocumentTree.attribute($0, "V") }.map(DocumentTree.trimmed)
        return info
    }
}
