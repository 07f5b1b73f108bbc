import CLibXML2

/// Namespace-aware reading of a parsed libxml2 tree. Elements are matched by namespace URI and
/// local name, never by prefix.
enum DocumentTree {
    static func localName(_ node: xmlNodePtr) -> String? {
        LibXML.string(node.pointee.name)
    }

    static func namespaceURI(_ node: xmlNodePtr) -> String? {
        LibXML.string(node.pointee.ns?.pointee.href)
    }

    static func isElement(_ node: xmlNodePtr, named name: String, in namespace: String?) -> Bool {
        node.pointee.type == XML_ELEMENT_NODE && localName(node) == name && namespaceURI(node) == namespace
    }

    /// Element children in document order.
    static func childElements(_ node: xmlNodePtr) -> [xmlNodePtr] {
        var result: [xmlNodePtr] = []
        var child = node.pointee.children
        while let current = child {
            if current.pointee.type == XML_ELEMENT_NODE { result.append(current) }
            child = current.pointee.next
        }
        return result
    }

    static func child(_ node: xmlNodePtr, _ name: String, in namespace: String?) -> xmlNodePtr? {
        childElements(node).first { isElement($0, named: name, in: namespace) }
    }

    static func children(_ node: xmlNodePtr, _ name: String, in namespace: String?) -> [xmlNodePtr] {
        childElements(node).filter { isElement($0, named: name, in: namespace) }
    }

    /// Follows a path of child element names in one namespace.
    static func path(_ node: xmlNodePtr, _ names: [String], in namespace: String?) -> xmlNodePtr? {
        var current: xmlNodePtr? = node
        for name in names {
            guard let here = current else { return nil }
            current = child(here, name, in: namespace)
        }
        return current
    }

    /// An attribute without namespace (e.g. `V` on a KITH CS/CV).
    static func attribute(_ node: xmlNodePtr, _ name: String) -> String? {
        LibXML.takeString(xmlGetNoNsProp(node, name))
    }

    /// Text content, trimmed of XML whitespace.
    static func text(_ node: xmlNodePtr?) -> String? {
        guard let node else { return nil }
        return LibXML.takeString(xmlNodeGetContent(node)).map(trimmed)
    }

    static func trimmed(_ text: String) -> String {
        let ws: Set<Character> = [" ", "\t", "\n", "\r", "\r\n"]
        var slice = Substring(text)
        while let first = slice.first, ws.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, ws.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }

    /// Every element under `node` (itself included) in document order, without recursion so a
    /// deep document cannot exhaust the stack.
    static func forEachElement(under node: xmlNodePtr, _ body: (xmlNodePtr) -> Void) {
        var stack: [xmlNodePtr] = [node]
        while let current = stack.popLast() {
            if current.pointee.type == XML_ELEMENT_NODE { body(current) }
            var children: [xmlNodePtr] = []
            var child = current.pointee.children
            while let c = child {
                if c.pointee.type == XML_ELEMENT_NODE { children.append(c) }
                child = c.pointee.next
            }
            stack.append(contentsOf: children.reversed())
        }
    }
}
