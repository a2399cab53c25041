/// A TOML 1.0 reader: one recursive-descent pass over the UTF-8 bytes. Tables are built as
/// reference nodes (a later `[header]` reopens a table made earlier), then frozen into the
/// value model. Scalars (strings, numbers, dates) are read in TOMLValues.swift.
struct TOMLParser {
    let bytes: [UInt8]
    let file: String
    /// Read position in `bytes`.
    var pos = 0
    /// Byte offset of every line's first byte, for line numbers in errors and entries.
    private let lineStarts: [Int]
    private let root = TableNode(origin: .header, depth: 0, line: 1)
    /// Every `[header]` and inline table opens a new section: tables made by dotted keys may
    /// be extended only within the section that made them.
    private var sections = 0

    init(bytes: [UInt8], file: String) {
        self.bytes = bytes
        self.file = file
        var starts = [0]
        for (offset, byte) in bytes.enumerated() where byte == ascii("\n") { starts.append(offset + 1) }
        lineStarts = starts
    }

    // MARK: Document and lines

    mutating func document() throws(TOMLError) -> TOMLTable {
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }  // a byte-order mark
        var current = root
        var section = 0
        while pos < bytes.count {
            skipSpaces()
            switch peek() {
            case ascii("["):
                current = try header()
                sections += 1
                section = sections
                try endOfLine(after: "the table header")
            case ascii("#"), ascii("\n"), ascii("\r"), nil:
                try endOfLine(after: "")
            default:
                try keyValue(into: current, section: section)
                try endOfLine(after: "the value")
            }
        }
        return root.frozen()
    }

    /// After a header or a key/value: spaces, maybe a comment, then a newline or the end.
    private mutating func endOfLine(after what: String) throws(TOMLError) {
        skipSpaces()
        if peek() == ascii("#") { try comment() }
        guard pos < bytes.count else { return }
        guard try newline() else { throw fail("unexpected \(describe(pos)) after \(what); expected a new line") }
    }

    /// Consumes LF or CRLF; false if there is none here. A lone CR is an error.
    mutating func newline() throws(TOMLError) -> Bool {
        if peek() == ascii("\n") { pos += 1; return true }
        if peek() == ascii("\r") {
            guard peek(1) == ascii("\n") else { throw fail("a carriage return must be followed by a line feed") }
            pos += 2
            return true
        }
        return false
    }

    private mutating func comment() throws(TOMLError) {
        pos += 1
        while let c = peek(), c != ascii("\n") {
            if c == ascii("\r") {
                guard peek(1) == ascii("\n") else { throw fail("a carriage return must be followed by a line feed") }
                return
            }
            if isControl(c) { throw fail("control character \(describe(pos)) in a comment") }
            pos += 1
        }
    }

    mutating func skipSpaces() {
        while let c = peek(), c == ascii(" ") || c == ascii("\t") { pos += 1 }
    }

    /// Spaces, comments and newlines, as allowed between array items.
    private mutating func skipBlank() throws(TOMLError) {
        while true {
            skipSpaces()
            if peek() == ascii("#") { try comment() }
            guard try newline() else { return }
        }
    }

    // MARK: Keys and tables

    typealias Key = [String]

    /// `a`, `"quoted key"`, `'literal'`, dotted: `a . "b" . c`.
    private mutating func key() throws(TOMLError) -> Key {
        var parts: Key = []
        repeat {
            skipSpaces()
            switch peek() {
            case let quote? where quote == ascii("\"") || quote == ascii("'"):
                parts.append(try string(quote, multiLine: false))
            case let c? where isBare(c):
                let start = pos
                while let c = peek(), isBare(c) { pos += 1 }
                parts.append(String(decoding: bytes[start..<pos], as: UTF8.self))
            default:
                throw fail("expected a key, found \(describe(pos))")
            }
            skipSpaces()
        } while consume(ascii("."))
        return parts
    }

    /// `[a.b]` or `[[a.b]]`: returns the table that the following keys go into.
    private mutating func header() throws(TOMLError) -> TableNode {
        let line = line(at: pos)
        pos += 1
        let isArray = consume(ascii("["))
        let path = try key()
        guard consume(ascii("]")), !isArray || consume(ascii("]")) else {
            throw fail("expected \(isArray ? "]]" : "]") to close the table header, found \(describe(pos))")
        }
        guard path.count <= TOML.maxDepth else {
            throw TOMLError(file: file, line: line, message: "keys nested too deeply (more than \(TOML.maxDepth) levels)")
        }
        let name = path.joined(separator: ".")
        var table = root
        for (index, part) in path.dropLast().enumerated() {
            let prefix = path.prefix(index + 1).joined(separator: ".")
            switch table.items[part] {
            case nil:
                table = table.add(part, TableNode(origin: .implicit, depth: table.depth + 1, line: line), line: line)
            case .table(let next, _): table = next
            case .tables(let list, _): table = list[list.count - 1]
            case .value(let value, let at):
                throw TOMLError(file: file, line: line, key: prefix, message: cannotExtend(value, definedAt: at))
            }
        }
        let last = path[path.count - 1]
        let node = TableNode(origin: .header, depth: table.depth + 1, line: line)
        switch table.items[last] {
        case nil where isArray:
            table.keys.append(last)
            table.items[last] = .tables([node], line: line)
        case nil:
            return table.add(last, node, line: line)
        case .tables(let list, let at) where isArray:
            table.items[last] = .tables(list + [node], line: at)
        case .table(let existing, _) where !isArray && existing.origin == .implicit:
            existing.origin = .header
            existing.line = line
            return existing
        case .table(let existing, _):
            let how = existing.origin == .header ? "defined" : "made by dotted keys"
            throw TOMLError(file: file, line: line, key: name, message: isArray
                ? "is a table (line \(existing.line)), not an array of tables"
                : "table [\(name)] is defined twice (already \(how) on line \(existing.line))")
        case .tables(_, let at):
            throw TOMLError(file: file, line: line, key: name, message: "is an array of tables (line \(at)); use [[\(name)]] to add one")
        case .value(let value, let at):
            throw TOMLError(file: file, line: line, key: name, message: cannotExtend(value, definedAt: at))
        }
        return node
    }

    /// `key = value`, stored in `table`; dotted keys make tables on the way.
    private mutating func keyValue(into table: TableNode, section: Int) throws(TOMLError) {
        let line = line(at: pos)
        let path = try key()
        let name = path.joined(separator: ".")
        guard consume(ascii("=")) else {
            throw TOMLError(file: file, line: self.line(at: pos), key: name, message: "expected = after the key, found \(describe(pos))")
        }
        guard table.depth + path.count <= TOML.maxDepth else {
            throw TOMLError(file: file, line: line, message: "keys nested too deeply (more than \(TOML.maxDepth) levels)")
        }
        skipSpaces()
        let value = try value(depth: table.depth + path.count, key: name)
        var target = table
        for (index, part) in path.dropLast().enumerated() {
            let prefix = path.prefix(index + 1).joined(separator: ".")
            switch target.items[part] {
            case nil:
                target = target.add(part, TableNode(origin: .dotted(section), depth: target.depth + 1, line: line), line: line)
            case .table(let next, _) where next.origin == .implicit || next.origin == .dotted(section):
                next.origin = .dotted(section)
                target = next
            case .table(let next, _):
                throw TOMLError(file: file, line: line, key: prefix,
                                message: "table defined on line \(next.line) cannot be extended with dotted keys here")
            case .tables(_, let at):
                throw TOMLError(file: file, line: line, key: prefix,
                                message: "is an array of tables (line \(at)); dotted keys cannot extend it")
            case .value(let existing, let at):
                throw TOMLError(file: file, line: line, key: prefix, message: cannotExtend(existing, definedAt: at))
            }
        }
        let last = path[path.count - 1]
        if let existing = target.items[last] {
            throw TOMLError(file: file, line: line, key: name, message: "is defined twice (first on line \(existing.line))")
        }
        target.keys.append(last)
        target.items[last] = .value(value, line: line)
    }

    private func cannotExtend(_ value: TOMLValue, definedAt line: Int) -> String {
        if case .table = value { return "is an inline table (line \(line)), which cannot be extended" }
        return "is already a\(value.typeName == "integer" || value.typeName == "array" ? "n" : "") \(value.typeName) (line \(line))"
    }

    // MARK: Values

    /// Any value; `depth` counts the tables and arrays around it, for the nesting cap.
    mutating func value(depth: Int, key: String) throws(TOMLError) -> TOMLValue {
        guard depth <= TOML.maxDepth else {
            throw fail("values nested too deeply (more than \(TOML.maxDepth) levels)", key: key)
        }
        switch peek() {
        case let quote? where quote == ascii("\"") || quote == ascii("'"):
            return .string(try string(quote, multiLine: peek(1) == quote && peek(2) == quote))
        case ascii("t") where starts(with: "true"):
            pos += 4
            return .boolean(true)
        case ascii("f") where starts(with: "false"):
            pos += 5
            return .boolean(false)
        case ascii("["):
            return try array(depth: depth, key: key)
        case ascii("{"):
            return try inlineTable(depth: depth, key: key)
        case let c? where isDigit(c) || c == ascii("+") || c == ascii("-") || starts(with: "inf") || starts(with: "nan"):
            return try numberOrDate(key: key)
        case nil, ascii("\n"), ascii("\r"), ascii("#"):
            throw fail("missing value after =", key: key)
        case let c? where isBare(c):
            // The usual slip in a config file: `theme = nord`.
            let word = String(decoding: bytes[pos...].prefix(while: isBare), as: UTF8.self)
            throw fail("expected a value, found \(word) (a string needs quotes: \"\(word)\")", key: key)
        default:
            throw fail("expected a value (string, number, boolean, date, array or inline table), found \(describe(pos))", key: key)
        }
    }

    private mutating func array(depth: Int, key: String) throws(TOMLError) -> TOMLValue {
        let start = pos
        pos += 1
        var items: [TOMLValue] = []
        while true {
            try skipBlank()
            if consume(ascii("]")) { return .array(items) }
            guard pos < bytes.count else { throw fail("array opened on line \(line(at: start)) is not closed", key: key) }
            items.append(try value(depth: depth + 1, key: key))
            try skipBlank()
            if consume(ascii("]")) { return .array(items) }
            guard consume(ascii(",")) else { throw fail("expected , or ] in the array, found \(describe(pos))", key: key) }
        }
    }

    /// `{ a = 1, b.c = 2 }`: on one line, no trailing comma, closed once read.
    private mutating func inlineTable(depth: Int, key: String) throws(TOMLError) -> TOMLValue {
        let node = TableNode(origin: .header, depth: depth, line: line(at: pos))
        sections += 1
        let section = sections
        pos += 1
        skipSpaces()
        if consume(ascii("}")) { return .table(node.frozen()) }
        while true {
            skipSpaces()
            try notClosedOnItsLine(key: key)
            try keyValue(into: node, section: section)
            skipSpaces()
            if consume(ascii("}")) { return .table(node.frozen()) }
            try notClosedOnItsLine(key: key)
            guard consume(ascii(",")) else { throw fail("expected , or } in the inline table, found \(describe(pos))", key: key) }
            skipSpaces()
            if peek() == ascii("}") { throw fail("trailing comma in an inline table", key: key) }
        }
    }

    private func notClosedOnItsLine(key: String) throws(TOMLError) {
        switch peek() {
        case nil: throw fail("inline table is not closed before the end of the file", key: key)
        case ascii("\n"), ascii("\r"): throw fail("inline table is not closed on its line (inline tables are on one line)", key: key)
        default: break
        }
    }

    // MARK: Bytes

    func peek(_ ahead: Int = 0) -> UInt8? {
        pos + ahead < bytes.count ? bytes[pos + ahead] : nil
    }

    mutating func consume(_ byte: UInt8) -> Bool {
        guard peek() == byte else { return false }
        pos += 1
        return true
    }

    func starts(with text: String) -> Bool {
        bytes[pos...].starts(with: text.utf8)
    }

    func line(at offset: Int) -> Int {
        var low = 0, high = lineStarts.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if lineStarts[mid] <= offset { low = mid } else { high = mid - 1 }
        }
        return low + 1
    }

    func fail(_ message: String, key: String? = nil) -> TOMLError {
        TOMLError(file: file, line: line(at: pos), key: key, message: message)
    }

    /// The character at `offset` for an error message: `'x'`, `U+0007`, or "the end of the file".
    func describe(_ offset: Int) -> String {
        guard offset < bytes.count else { return "the end of the file" }
        let c = bytes[offset]
        if c == ascii("\n") || c == ascii("\r") { return "the end of the line" }
        if c > 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        if c < 0x80 { return "U+00\(String(c, radix: 16, uppercase: true).leftPadded(2))" }
        var iterator = bytes[offset...].makeIterator()
        var decoder = UTF8()
        if case .scalarValue(let s) = decoder.decode(&iterator) {
            return "'\(Character(s))' (U+\(String(s.value, radix: 16, uppercase: true).leftPadded(4)))"
        }
        return "a byte that is not UTF-8"
    }
}

// MARK: Tables while they are built

/// A table that later lines may still add to.
final class TableNode {
    enum Origin: Equatable {
        /// Made on the way to a deeper `[a.b.c]` header: a later `[a.b]` may still define it.
        case implicit
        /// Defined by a `[header]`, `[[header]]` or inline table.
        case header
        /// Made by dotted keys in this section.
        case dotted(Int)
    }

    enum Item {
        case value(TOMLValue, line: Int)
        case table(TableNode, line: Int)
        case tables([TableNode], line: Int)

        var line: Int {
            switch self {
            case .value(_, let line), .table(_, let line), .tables(_, let line): line
            }
        }
    }

    var origin: Origin
    let depth: Int
    var line: Int
    var keys: [String] = []
    var items: [String: Item] = [:]

    init(origin: Origin, depth: Int, line: Int) {
        self.origin = origin
        self.depth = depth
        self.line = line
    }

    func add(_ key: String, _ table: TableNode, line: Int) -> TableNode {
        keys.append(key)
        items[key] = .table(table, line: line)
        return table
    }

    /// The finished table, keys in source order.
    func frozen() -> TOMLTable {
        var table = TOMLTable(line: line)
        for key in keys {
            switch items[key]! {
            case .value(let value, let line):
                table.entries.append(.init(key: key, value: value, line: line))
            case .table(let node, let line):
                table.entries.append(.init(key: key, value: .table(node.frozen()), line: line))
            case .tables(let nodes, let line):
                table.entries.append(.init(key: key, value: .array(nodes.map { .table($0.frozen()) }), line: line))
            }
        }
        return table
    }
}

// MARK: Character classes

@inline(__always) func ascii(_ c: Unicode.Scalar) -> UInt8 { UInt8(c.value) }

func isDigit(_ c: UInt8) -> Bool { c >= ascii("0") && c <= ascii("9") }

func isBare(_ c: UInt8) -> Bool {
    isDigit(c) || (c >= ascii("A") && c <= ascii("Z")) || (c >= ascii("a") && c <= ascii("z"))
        || c == ascii("_") || c == ascii("-")
}

/// Control characters other than tab are refused in strings and comments.
func isControl(_ c: UInt8) -> Bool { (c < 0x20 && c != ascii("\t")) || c == 0x7F }

extension String {
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
