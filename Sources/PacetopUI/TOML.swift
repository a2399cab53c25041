/// A small TOML subset, enough for theme files: `[table]` headers (dotted, quoted parts),
/// bare/quoted/dotted keys, basic strings with escapes, literal strings, integers, booleans,
/// arrays (may span lines), inline tables and comments. Every value remembers its line so
/// errors can point at it. No dependency: themes must load with nothing but the binary.
public indirect enum TOMLValue: Hashable, Sendable {
    case string(String)
    case integer(Int)
    case boolean(Bool)
    case array([TOMLValue])
    case table(TOMLTable)

    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// An ordered table; keys keep their source line.
public struct TOMLTable: Hashable, Sendable {
    public struct Entry: Hashable, Sendable {
        public var key: String
        public var value: TOMLValue
        public var line: Int
    }

    public var entries: [Entry] = []
    /// Line of the `[header]` or inline table that opened this table.
    public var line: Int = 0

    public init(line: Int = 0) { self.line = line }

    public subscript(key: String) -> TOMLValue? {
        entries.first { $0.key == key }?.value
    }

    public func entry(_ key: String) -> Entry? { entries.first { $0.key == key } }
}

/// An error at a place in a file, printed as `FILE:LINE: key "x": message`.
public struct TOMLError: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var key: String?
    public var message: String

    public init(file: String, line: Int, key: String? = nil, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        if let key { return "\(file):\(line): key \"\(key)\": \(message)" }
        return "\(file):\(line): \(message)"
    }
}

public enum TOML {
    /// Parses `text`; `file` is only used in error messages.
    public static func parse(_ text: String, file: String) throws(TOMLError) -> TOMLTable {
        var p = Parser(chars: Array(text.unicodeScalars), file: file)
        return try p.document()
    }
}

private struct Parser {
    let chars: [Unicode.Scalar]
    let file: String
    var i = 0
    var line = 1

    init(chars: [Unicode.Scalar], file: String) {
        self.chars = chars
        self.file = file
    }

    func error(_ message: String, key: String? = nil, at l: Int? = nil) -> TOMLError {
        TOMLError(file: file, line: l ?? line, key: key, message: message)
    }

    var peek: Unicode.Scalar? { i < chars.count ? chars[i] : nil }

    mutating func advance() {
        if chars[i] == "\n" { line += 1 }
        i += 1
    }

    /// Skips spaces and tabs (not newlines).
    mutating func skipBlanks() {
        while let c = peek, c == " " || c == "\t" { advance() }
    }

    /// Skips blanks, comments and newlines (inside arrays).
    mutating func skipBlanksCommentsNewlines() {
        while let c = peek {
            if c == " " || c == "\t" || c == "\n" || c == "\r" { advance() }
            else if c == "#" { skipComment() }
            else { break }
        }
    }

    mutating func skipComment() {
        while let c = peek, c != "\n" { advance() }
    }

    /// After a statement only a comment or the end of the line may follow.
    mutating func endOfLine() throws(TOMLError) {
        skipBlanks()
        if peek == "#" { skipComment() }
        if peek == "\r" { advance() }
        guard let c = peek else { return }
        guard c == "\n" else { throw error("unexpected \"\(c)\" after value; expected end of line") }
        advance()
    }

    mutating func document() throws(TOMLError) -> TOMLTable {
        var root = TOMLTable(line: 1)
        var currentPath: [String] = []
        var defined: Set<[String]> = []
        while true {
            skipBlanksCommentsNewlines()
            guard let c = peek else { break }
            if c == "[" {
                let l = line
                advance()
                if peek == "[" { throw error("arrays of tables ([[...]]) are not supported") }
                skipBlanks()
                let path = try keyPath()
                skipBlanks()
                guard peek == "]" else { throw error("expected \"]\" to close the table header") }
                advance()
                try endOfLine()
                let name = path.joined(separator: ".")
                if defined.contains(path) { throw error("table defined twice", key: name, at: l) }
                defined.insert(path)
                try ensureTable(&root, path: path, line: l)
                currentPath = path
            } else {
                let l = line
                let path = try keyPath()
                skipBlanks()
                guard peek == "=" else {
                    throw error("expected \"=\" after the key", key: path.joined(separator: "."), at: l)
                }
                advance()
                skipBlanks()
                let value = try self.value(key: path.joined(separator: "."))
                try endOfLine()
                try insert(&root, path: currentPath + path, value: value, line: l)
            }
        }
        return root
    }

    mutating func keyPath() throws(TOMLError) -> [String] {
        var parts: [String] = []
        while true {
            skipBlanks()
            parts.append(try key())
            skipBlanks()
            if peek == "." { advance() } else { break }
        }
        return parts
    }

    mutating func key() throws(TOMLError) -> String {
        guard let c = peek else { throw error("expected a key, found end of file") }
        if c == "\"" { return try basicString() }
        if c == "'" { return try literalString() }
        var s = ""
        while let c = peek, isBare(c) { s.unicodeScalars.append(c); advance() }
        if s.isEmpty { throw error("expected a key, found \"\(c)\"") }
        return s
    }

    func isBare(_ c: Unicode.Scalar) -> Bool {
        (c >= "a" && c <= "z") || (c >= "A" && c <= "Z") || (c >= "0" && c <= "9") || c == "_" || c == "-"
    }

    mutating func value(key: String, depth: Int = 0) throws(TOMLError) -> TOMLValue {
        // Deeply nested arrays would overflow the stack; no theme needs more than two levels.
        guard depth < 32 else { throw error("values nested too deeply", key: key) }
        guard let c = peek, c != "\n" else { throw error("missing value", key: key) }
        switch c {
        case "\"":
            if i + 2 < chars.count, chars[i + 1] == "\"", chars[i + 2] == "\"" {
                throw error("multi-line strings are not supported", key: key)
            }
            return .string(try basicString())
        case "'":
            return .string(try literalString())
        case "[":
            advance()
            var items: [TOMLValue] = []
            while true {
                skipBlanksCommentsNewlines()
                guard let c = peek else { throw error("unterminated array", key: key) }
                if c == "]" { advance(); break }
                items.append(try value(key: key, depth: depth + 1))
                skipBlanksCommentsNewlines()
                if peek == "," { advance(); continue }
                if peek == "]" { advance(); break }
                if peek == nil { throw error("unterminated array", key: key) }
                throw error("expected \",\" or \"]\" in array", key: key)
            }
            return .array(items)
        case "{":
            let l = line
            advance()
            var table = TOMLTable(line: l)
            skipBlanks()
            if peek == "}" { advance(); return .table(table) }
            while true {
                skipBlanks()
                let kl = line
                let path = try keyPath()
                skipBlanks()
                guard peek == "=" else { throw error("expected \"=\" in inline table", key: key) }
                advance()
                skipBlanks()
                let v = try value(key: key + "." + path.joined(separator: "."), depth: depth + 1)
                try insert(&table, path: path, value: v, line: kl)
                skipBlanks()
                if peek == "," { advance(); continue }
                if peek == "}" { advance(); break }
                throw error("expected \",\" or \"}\" in inline table", key: key)
            }
            return .table(table)
        default:
            var word = ""
            while let c = peek, isBare(c) || c == "+" || c == "." || c == ":" {
                word.unicodeScalars.append(c)
                advance()
            }
            if word == "true" { return .boolean(true) }
            if word == "false" { return .boolean(false) }
            if let n = integer(word) { return .integer(n) }
            if word.isEmpty { throw error("unexpected \"\(c)\"; expected a value", key: key) }
            throw error("unsupported value \"\(word)\" (strings need quotes)", key: key)
        }
    }

    func integer(_ word: String) -> Int? {
        var w = word.replacingUnderscores()
        var sign = 1
        if w.hasPrefix("+") { w.removeFirst() } else if w.hasPrefix("-") { sign = -1; w.removeFirst() }
        guard !w.isEmpty else { return nil }
        if w.hasPrefix("0x") { return Int(w.dropFirst(2), radix: 16).map { $0 * sign } }
        if w.hasPrefix("0o") { return Int(w.dropFirst(2), radix: 8).map { $0 * sign } }
        if w.hasPrefix("0b") { return Int(w.dropFirst(2), radix: 2).map { $0 * sign } }
        guard w.unicodeScalars.allSatisfy({ $0 >= "0" && $0 <= "9" }) else { return nil }
        return Int(w).map { $0 * sign }
    }

    mutating func basicString() throws(TOMLError) -> String {
        advance()  // opening quote
        var s = ""
        while true {
            guard let c = peek, c != "\n" else { throw error("unterminated string") }
            advance()
            if c == "\"" { return s }
            if c != "\\" { s.unicodeScalars.append(c); continue }
            guard let e = peek else { throw error("unterminated string") }
            advance()
            switch e {
            case "n": s += "\n"
            case "t": s += "\t"
            case "r": s += "\r"
            case "b": s += "\u{8}"
            case "f": s += "\u{c}"
            case "\"": s += "\""
            case "\\": s += "\\"
            case "u", "U":
                let n = e == "u" ? 4 : 8
                var hex = ""
                for _ in 0..<n {
                    guard let h = peek, h != "\n" else { throw error("short \\\(e) escape") }
                    hex.unicodeScalars.append(h)
                    advance()
                }
                guard let v = UInt32(hex, radix: 16), let scalar = Unicode.Scalar(v) else {
                    throw error("bad unicode escape \\\(e)\(hex)")
                }
                s.unicodeScalars.append(scalar)
            default:
                throw error("unknown escape \\\(e)")
            }
        }
    }

    mutating func literalString() throws(TOMLError) -> String {
        advance()
        var s = ""
        while true {
            guard let c = peek, c != "\n" else { throw error("unterminated string") }
            advance()
            if c == "'" { return s }
            s.unicodeScalars.append(c)
        }
    }

    func ensureTable(_ table: inout TOMLTable, path: [String], line l: Int) throws(TOMLError) {
        guard let first = path.first else { return }
        let rest = Array(path.dropFirst())
        if let idx = table.entries.firstIndex(where: { $0.key == first }) {
            guard case .table(var sub) = table.entries[idx].value else {
                throw error("\"\(first)\" is already a \(table.entries[idx].value.typeName), not a table",
                            key: path.joined(separator: "."), at: l)
            }
            try ensureTable(&sub, path: rest, line: l)
            table.entries[idx].value = .table(sub)
        } else {
            var sub = TOMLTable(line: l)
            try ensureTable(&sub, path: rest, line: l)
            table.entries.append(.init(key: first, value: .table(sub), line: l))
        }
    }

    func insert(_ table: inout TOMLTable, path: [String], value: TOMLValue, line l: Int) throws(TOMLError) {
        let name = path.joined(separator: ".")
        guard let first = path.first else { return }
        if path.count == 1 {
            if table.entries.contains(where: { $0.key == first }) {
                throw error("duplicate key", key: name, at: l)
            }
            table.entries.append(.init(key: first, value: value, line: l))
            return
        }
        let rest = Array(path.dropFirst())
        if let idx = table.entries.firstIndex(where: { $0.key == first }) {
            guard case .table(var sub) = table.entries[idx].value else {
                throw error("\"\(first)\" is already a \(table.entries[idx].value.typeName), not a table", key: name, at: l)
            }
            try insert(&sub, path: rest, value: value, line: l)
            table.entries[idx].value = .table(sub)
        } else {
            var sub = TOMLTable(line: l)
            try insert(&sub, path: rest, value: value, line: l)
            table.entries.append(.init(key: first, value: .table(sub), line: l))
        }
    }
}

private extension String {
    func replacingUnderscores() -> String { String(unicodeScalars.filter { $0 != "_" }.map(Character.init)) }
}
