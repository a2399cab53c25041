import CLibxml2
import FoundationEssentials
import PacetopBase

/// A parsed XML document (libxml2), owned and freed by this value's lifetime.
final class XMLDocument {
    let doc: xmlDocPtr

    /// Parses bytes; never fetches anything, refuses DTDs, and so never expands an entity.
    init(bytes: UnsafeRawBufferPointer) throws(CrmMonError) {
        let parsed = try XMLPushParser.parse(bytes, sax: nil, options: 0) { ctxt -> xmlDocPtr? in
            defer { ctxt.pointee.myDoc = nil }
            return ctxt.pointee.myDoc
        }
        guard let parsed else { throw .malformedXML(line: 0, column: 0, "no document") }
        doc = parsed
    }

    deinit { xmlFreeDoc(doc) }

    var root: XMLElement? {
        xmlDocGetRootElement(doc).map(XMLElement.init)
    }
}

/// libxml2's push parser, shared by the DOM (`XMLDocument`) and the lighter `XMLTree`.
enum XMLPushParser {
    /// Runs the parser over `bytes` with `sax` (nil: libxml2's own tree builder, which leaves
    /// the document in `myDoc`) and returns what `finish` takes from the context, or throws the
    /// document's first error. Callbacks receive the context (its `_private` is for `sax`'s
    /// user); a document `finish` leaves in `myDoc` is freed.
    static func parse<T>(_ bytes: UnsafeRawBufferPointer, sax: UnsafeMutablePointer<xmlSAXHandler>?,
                         context: UnsafeMutableRawPointer? = nil, options extra: Int32,
                         _ finish: (xmlParserCtxtPtr) -> T) throws(CrmMonError) -> T {
        initialize
        // A push parser fed in chunks, not xmlCtxtReadMemory: libxml2 2.9.x (Debian 12,
        // Ubuntu 24.04) stops a memory parse past 10 MB with "Huge input lookup", and
        // XML_PARSE_HUGE is no way out: it also lifts the entity-expansion and depth limits.
        guard let ctxt = xmlCreatePushParserCtxt(sax, nil, nil, 0, nil) else {
            throw .malformedXML(line: 0, column: 0, "out of memory")
        }
        defer {
            if let d = ctxt.pointee.myDoc { xmlFreeDoc(d) }
            xmlFreeParserCtxt(ctxt)
        }
        ctxt.pointee._private = context
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue
            | XML_PARSE_NOWARNING.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue
            | XML_PARSE_NOBLANKS.rawValue) | extra
        xmlCtxtUseOptions(ctxt, options)
        // crm_mon and cibadmin never send a DTD, and a DTD is the only way to declare entities,
        // whose expansion can turn kilobytes into gigabytes: stop at the first sign of one.
        ctxt.pointee.sax.pointee.internalSubset = { ctx, _, _, _ in xmlStopParser(ctx?.assumingMemoryBound(to: xmlParserCtxt.self)) }
        ctxt.pointee.sax.pointee.externalSubset = { ctx, _, _, _ in xmlStopParser(ctx?.assumingMemoryBound(to: xmlParserCtxt.self)) }
        ctxt.pointee.sax.pointee.entityDecl = { ctx, _, _, _, _, _ in xmlStopParser(ctx?.assumingMemoryBound(to: xmlParserCtxt.self)) }
        if let base = bytes.baseAddress?.assumingMemoryBound(to: CChar.self) {
            var offset = 0
            while offset < bytes.count {
                let n = min(1 << 16, bytes.count - offset)
                if xmlParseChunk(ctxt, base + offset, Int32(n), 0) != 0 { break }
                offset += n
            }
        }
        xmlParseChunk(ctxt, nil, 0, 1)
        if ctxt.pointee.errNo == Int32(XML_ERR_USER_STOP.rawValue) {
            throw .malformedXML(line: max(1, Int(ctxt.pointee.input?.pointee.line ?? 1)), column: 0,
                                "the document has a DTD (<!DOCTYPE>); crm_mon never sends one, so it is refused "
                                + "(its entities could expand to gigabytes)")
        }
        if let err = xmlCtxtGetLastError(ctxt), err.pointee.level.rawValue >= XML_ERR_ERROR.rawValue {
            let message = err.pointee.message.map { String(cString: $0) }?
                .trimmingWhitespaceAndNewlines() ?? "parse error"
            throw .malformedXML(line: Int(err.pointee.line), column: Int(err.pointee.int2), message)
        }
        guard ctxt.pointee.wellFormed != 0 else { throw .malformedXML(line: 0, column: 0, "no document") }
        return finish(ctxt)
    }

    private static let initialize: Void = { xmlInitParser() }()
}

/// A borrowed view of an element; valid while its XMLDocument lives.
struct XMLElement: XMLElementView {
    let node: xmlNodePtr

    var name: String { String(cString: node.pointee.name) }

    func isNamed(_ n: StaticString) -> Bool {
        xmlStrEqual(node.pointee.name, n.utf8Start) != 0
    }

    /// Child elements, in document order.
    var children: ChildSequence { ChildSequence(first: node.pointee.children) }

    /// An attribute's value; attributes are scanned in place (no copies but the result).
    subscript(_ attr: StaticString) -> String? {
        var p = node.pointee.properties
        while let a = p {
            if xmlStrEqual(a.pointee.name, attr.utf8Start) != 0 {
                guard let text = a.pointee.children else { return "" }
                if text.pointee.next == nil, text.pointee.type == XML_TEXT_NODE {
                    return text.pointee.content.map { String(cString: $0) } ?? ""
                }
                // Without a DTD (refused above) a value is one text node; keep only text
                // nodes anyway, so no entity's content is ever pasted in.
                var value = ""
                var p: xmlNodePtr? = text
                while let n = p {
                    if n.pointee.type == XML_TEXT_NODE, let c = n.pointee.content { value += String(cString: c) }
                    p = n.pointee.next
                }
                return value
            }
            p = a.pointee.next
        }
        return nil
    }

    struct ChildSequence: Sequence, IteratorProtocol {
        var next_: xmlNodePtr?
        init(first: xmlNodePtr?) { next_ = first }
        mutating func next() -> XMLElement? {
            while let n = next_ {
                next_ = n.pointee.next
                if n.pointee.type == XML_ELEMENT_NODE { return XMLElement(node: n) }
            }
            return nil
        }
    }
}

/// What reading an element needs, from libxml2's tree (`XMLElement`) or from `XMLTree`.
protocol XMLElementView {
    associatedtype Children: Sequence where Children.Element == Self
    /// Child elements, in document order.
    var children: Children { get }
    func isNamed(_ n: StaticString) -> Bool
    /// An attribute's value.
    subscript(_ attr: StaticString) -> String? { get }
}

extension XMLElementView {
    func child(_ n: StaticString) -> Self? {
        children.first { $0.isNamed(n) }
    }

    func children(_ n: StaticString) -> [Self] {
        children.filter { $0.isNamed(n) }
    }

    func bool(_ attr: StaticString, default d: Bool = false) -> Bool {
        guard let v = self[attr] else { return d }
        // crm_mon writes "true"/"false": answer those without lowercasing a copy.
        if v == "true" { return true }
        if v == "false" { return false }
        switch v.lowercased() {
        case "true", "yes", "1", "on", "y": return true
        case "false", "no", "0", "off", "n": return false
        default: return d
        }
    }

    func int(_ attr: StaticString) -> Int? {
        self[attr].flatMap { Int($0.trimmedWhitespaces) }
    }

    /// "60000ms" → 60000; "10s" → 10000; a bare number is taken as milliseconds.
    func milliseconds(_ attr: StaticString) -> Int? {
        guard let raw = self[attr] else { return nil }
        // The usual "10000ms" or "0ms": digits then "ms", read without building substrings.
        var n = 0, digits = 0
        var it = raw.utf8.makeIterator()
        while let b = it.next() {
            if b >= 0x30 && b <= 0x39, digits < 18 { n = n * 10 + Int(b - 0x30); digits += 1; continue }
            if b == UInt8(ascii: "m"), digits > 0, it.next() == UInt8(ascii: "s"), it.next() == nil { return n }
            break
        }
        var v = raw.trimmedWhitespaces
        var factor = 1
        if v.hasSuffix("ms") { v.removeLast(2) } else if v.hasSuffix("s") { v.removeLast(); factor = 1000 }
        return Int(v).map { $0 * factor }
    }
}

extension String {
    /// `trimmingCharacters(in: .whitespaces)`, without Foundation's bridging in the usual case
    /// where both ends are plain ASCII (that call was ~40 % of parsing a 2,000-resource
    /// document, scripts/bench parse).
    var trimmedWhitespaces: String {
        func plain(_ c: Unicode.Scalar) -> Bool { c.isASCII && c != " " && c != "\t" }
        guard let f = unicodeScalars.first, let l = unicodeScalars.last, plain(f), plain(l) else {
            return trimmingWhitespace()
        }
        return self
    }
}
