import CLibxml2
import Glibc
import PacetopBase

/// A read-only element tree built from libxml2's SAX events, for reading crm_mon output.
/// libxml2's own tree (`XMLDocument`) allocates a node per element, attribute and text and
/// costs four times the parse itself on a 2,000-resource document; this keeps elements and
/// attributes in three flat arrays instead. Same parser, options and DTD refusal.
final class XMLTree {
    struct Node {
        var name: Range<Int32>
        var attributes: Range<Int32>
        var firstChild: Int32 = -1
        var next: Int32 = -1
    }

    struct Attribute {
        var name: Range<Int32>
        var value: Range<Int32>
    }

    /// The parsed document. Buffers rather than arrays, reached by elements through a pointer
    /// rather than a class reference: reading an attribute then costs no reference counting
    /// (arrays and references were half the time of building the model).
    struct Storage {
        /// Element and attribute names and values, UTF-8, back to back.
        let bytes: UnsafeBufferPointer<UInt8>
        let nodes: UnsafeBufferPointer<Node>
        let attributes: UnsafeBufferPointer<Attribute>
        /// Character data in document order, with the element it belongs to.
        let texts: UnsafeBufferPointer<(node: Int32, bytes: Range<Int32>)>

        func string(_ r: Range<Int32>) -> String {
            String(decoding: UnsafeBufferPointer(rebasing: bytes[Int(r.lowerBound)..<Int(r.upperBound)]), as: UTF8.self)
        }

        func equals(_ r: Range<Int32>, _ s: StaticString) -> Bool {
            r.count == s.utf8CodeUnitCount && memcmp(bytes.baseAddress! + Int(r.lowerBound), s.utf8Start, r.count) == 0
        }
    }

    private let storage: UnsafeMutablePointer<Storage>

    /// Parses bytes; never fetches anything, refuses DTDs, and so never expands an entity
    /// other than XML's five predefined ones.
    init(bytes input: UnsafeRawBufferPointer) throws(CrmMonError) {
        var builder = Builder(expecting: input.count)
        var sax = xmlSAXHandler()
        sax.initialized = XML_SAX2_MAGIC
        sax.startElementNs = { ctx, name, _, _, _, _, count, _, attrs in
            let ctxt = ctx!.assumingMemoryBound(to: xmlParserCtxt.self)
            let builder = ctxt.pointee._private.assumingMemoryBound(to: Builder.self)
            // libxml2 limits nesting when it builds its own tree (nodePush), not for SAX: the
            // same limit here keeps the model's recursion as shallow as before.
            guard builder.pointee.stack.count <= XMLTree.maxDepth else {
                builder.pointee.failure = .malformedXML(
                    line: Int(ctxt.pointee.input?.pointee.line ?? 0), column: Int(ctxt.pointee.input?.pointee.col ?? 0),
                    "excessive depth in document: elements nested more than \(XMLTree.maxDepth) deep")
                xmlStopParser(ctxt)
                return
            }
            builder.pointee.start(name, Int(count), attrs)
        }
        sax.endElementNs = { ctx, _, _, _ in _ = Builder.from(ctx).pointee.stack.popLast() }
        sax.characters = { ctx, text, length in Builder.from(ctx).pointee.characters(text, Int(length)) }
        // The values arrive decoded (XML_PARSE_NOENT): with DTDs refused, only &amp; &lt; &gt;
        // &quot; &apos; and character references can occur.
        // The builder is a struct reached through a pointer: no reference counting or
        // exclusivity checks per element (as a class it took a third of the parse).
        let result = withUnsafeMutablePointer(to: &builder) { b -> Result<Void, CrmMonError> in
            do throws(CrmMonError) {
                try XMLPushParser.parse(input, sax: &sax, context: UnsafeMutableRawPointer(b),
                                        options: Int32(XML_PARSE_NOENT.rawValue)) { _ in }
                return .success(())
            } catch {
                return .failure(error)
            }
        }
        if case .failure(let error) = result { throw builder.failure ?? error }
        guard !builder.nodes.isEmpty else { throw .malformedXML(line: 0, column: 0, "no document") }
        storage = .allocate(capacity: 1)
        storage.initialize(to: Storage(bytes: Self.copy(builder.bytes), nodes: Self.copy(builder.nodes),
                                       attributes: Self.copy(builder.attributes), texts: Self.copy(builder.texts)))
    }

    deinit {
        storage.pointee.bytes.deallocate()
        storage.pointee.nodes.deallocate()
        storage.pointee.attributes.deallocate()
        storage.pointee.texts.deallocate()
        storage.deallocate()
    }

    private static func copy<T>(_ a: [T]) -> UnsafeBufferPointer<T> {
        let p = UnsafeMutableBufferPointer<T>.allocate(capacity: a.count)
        _ = p.initialize(from: a)
        return UnsafeBufferPointer(p)
    }

    /// libxml2's own limit (xmlParserMaxDepth) without XML_PARSE_HUGE.
    static let maxDepth = 256

    /// The root element; like every element, only valid while this tree lives.
    var root: Element? { storage.pointee.nodes.isEmpty ? nil : Element(tree: UnsafePointer(storage), index: 0) }

    /// Collects the tree while libxml2 parses.
    private struct Builder {
        var bytes: [UInt8] = []
        var nodes: [Node] = []
        var attributes: [Attribute] = []
        var texts: [(node: Int32, bytes: Range<Int32>)] = []
        /// Open elements, the last child added to each, and whether it has text yet.
        var stack: [(node: Int32, lastChild: Int32, hasText: Bool)] = []
        /// Why the builder stopped the parser.
        var failure: CrmMonError?

        /// Room for a document of `size` bytes (crm_mon's: ~20 bytes per attribute), so that
        /// the arrays rarely grow and copy.
        init(expecting size: Int) {
            bytes.reserveCapacity(size)
            attributes.reserveCapacity(size / 16)
            nodes.reserveCapacity(size / 64)
        }

        static func from(_ ctx: UnsafeMutableRawPointer?) -> UnsafeMutablePointer<Builder> {
            ctx!.assumingMemoryBound(to: xmlParserCtxt.self).pointee._private.assumingMemoryBound(to: Builder.self)
        }

        mutating func append(_ p: UnsafePointer<xmlChar>, _ count: Int) -> Range<Int32> {
            let start = Int32(bytes.count)
            bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: count))
            return start..<Int32(bytes.count)
        }

        mutating func start(_ name: UnsafePointer<xmlChar>?, _ count: Int,
                            _ attrs: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?) {
            let index = Int32(nodes.count)
            let firstAttribute = Int32(attributes.count)
            if let attrs {
                // Five pointers per attribute: local name, prefix, URI, value, end of value.
                for i in 0..<count {
                    guard let n = attrs[5 * i], let v = attrs[5 * i + 3], let e = attrs[5 * i + 4] else { continue }
                    attributes.append(Attribute(name: append(n, strlen(n)), value: append(v, e - v)))
                }
            }
            let nameRange = name.map { append($0, strlen($0)) } ?? 0..<0
            nodes.append(Node(name: nameRange, attributes: firstAttribute..<Int32(attributes.count)))
            if let parent = stack.last {
                if parent.lastChild >= 0 { nodes[Int(parent.lastChild)].next = index }
                else { nodes[Int(parent.node)].firstChild = index }
                stack[stack.count - 1].lastChild = index
            }
            stack.append((index, -1, false))
        }

        mutating func characters(_ text: UnsafePointer<xmlChar>?, _ count: Int) {
            guard let text, let open = stack.last else { return }
            // Whitespace before an element's first text is trimmed by `text` anyway: most of it
            // is the indentation between elements, not worth keeping.
            if !open.hasText, UnsafeBufferPointer(start: text, count: count).allSatisfy({
                $0 == 0x20 || $0 == 0x0A || $0 == 0x09 || $0 == 0x0D
            }) { return }
            stack[stack.count - 1].hasText = true
            texts.append((open.node, append(text, count)))
        }
    }

    /// A borrowed view of an element; valid while its tree lives.
    struct Element: XMLElementView {
        let tree: UnsafePointer<Storage>
        let index: Int32

        private var node: Node { tree.pointee.nodes[Int(index)] }

        var name: String { tree.pointee.string(node.name) }

        func isNamed(_ n: StaticString) -> Bool { tree.pointee.equals(node.name, n) }

        var children: Children { Children(tree: tree, following: node.firstChild) }

        subscript(_ attr: StaticString) -> String? {
            for i in node.attributes {
                let a = tree.pointee.attributes[Int(i)]
                if tree.pointee.equals(a.name, attr) { return tree.pointee.string(a.value) }
            }
            return nil
        }

        /// The element's own character data, trimmed.
        var text: String {
            var out: [UInt8] = []
            for t in tree.pointee.texts where t.node == index {
                out += tree.pointee.bytes[Int(t.bytes.lowerBound)..<Int(t.bytes.upperBound)]
            }
            return String(decoding: out, as: UTF8.self).trimmingWhitespaceAndNewlines()
        }

        struct Children: Sequence, IteratorProtocol {
            let tree: UnsafePointer<Storage>
            var following: Int32
            mutating func next() -> Element? {
                guard following >= 0 else { return nil }
                defer { following = tree.pointee.nodes[Int(following)].next }
                return Element(tree: tree, index: following)
            }
        }
    }
}
