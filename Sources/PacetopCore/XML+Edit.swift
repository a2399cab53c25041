import CLibxml2
import FoundationEssentials

// Editing a parsed document in memory: what a what-if preview does to its copy of the CIB.
extension XMLDocument {
    /// The document as bytes, for piping to a tool.
    func serialized() -> Data {
        guard let root = xmlDocGetRootElement(doc), let buf = xmlBufferCreate() else { return Data() }
        defer { xmlBufferFree(buf) }
        xmlNodeDump(buf, doc, root, 0, 0)
        guard let bytes = xmlBufferContent(buf) else { return Data() }
        return Data(bytes: bytes, count: Int(xmlBufferLength(buf)))
    }
}

extension XMLElement {
    /// The first descendant element (depth first) that satisfies `match`.
    func first(where match: (XMLElement) -> Bool) -> XMLElement? {
        for c in children {
            if match(c) { return c }
            if let d = c.first(where: match) { return d }
        }
        return nil
    }

    /// Every descendant element that satisfies `match`, in document order.
    func all(where match: (XMLElement) -> Bool) -> [XMLElement] {
        var out: [XMLElement] = []
        for c in children {
            if match(c) { out.append(c) }
            out += c.all(where: match)
        }
        return out
    }

    /// Appends a new child element with these attributes, in order.
    @discardableResult
    func append(_ name: String, _ attributes: KeyValuePairs<String, String>) -> XMLElement {
        let child = xmlNewChild(node, nil, name, nil)!
        for (k, v) in attributes { xmlSetProp(child, k, v) }
        return XMLElement(node: child)
    }

    func set(_ attr: String, _ value: String) { xmlSetProp(node, attr, value) }

    /// Unlinks and frees this element (and everything in it).
    func remove() {
        xmlUnlinkNode(node)
        xmlFreeNode(node)
    }
}
