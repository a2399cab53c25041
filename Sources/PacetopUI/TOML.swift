import FoundationEssentials
import Glibc
import PacetopBase
import TOMLKit

/// Config and theme files are TOML 1.0, read with TOMLKit (toml++), then turned into this
/// small model: ordered entries that remember their source line, so errors can point at it.
/// Dates and times are kept as text: no setting needs them as dates.
public indirect enum TOMLValue: Hashable, Sendable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case datetime(String)
    case array([TOMLValue])
    case table(TOMLTable)

    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .datetime: "date/time"
        case .array: "array"
        case .table: "table"
        }
    }
}

/// An ordered table (in source order); keys keep their source line.
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
    /// Keys nested deeper than this (`a.b.c…`, tables in tables) are refused: no setting
    /// needs more than three levels, and deep nesting only costs stack.
    public static let maxDepth = 16

    /// Parses `text`; `file` is only used in error messages.
    public static func parse(_ text: String, file: String) throws(TOMLError) -> TOMLTable {
        let lines = SourceLines(text)
        if let deep = lines.tooDeep(maxDepth) {
            throw TOMLError(file: file, line: deep, message: "keys nested too deeply (more than \(maxDepth) levels)")
        }
        let parsed: TOMLKit.TOMLTable
        do {
            parsed = try TOMLKit.TOMLTable(string: text)
        } catch let e as TOMLParseError {
            throw TOMLError(file: file, line: e.source.begin.line, message: e.description)
        } catch {
            throw TOMLError(file: file, line: 0, message: "\(error)")
        }
        return try convert(parsed, path: [], line: 0, lines: lines, file: file, depth: 0)
    }

    private static func convert(_ table: TOMLKit.TOMLTable, path: [String], line: Int, lines: SourceLines,
                                file: String, depth: Int) throws(TOMLError) -> TOMLTable {
        var out = TOMLTable(line: lines.line(of: path) ?? line)
        for (key, value) in table {
            let keyPath = path + [key]
            let keyLine = lines.line(of: keyPath) ?? out.line
            out.entries.append(TOMLTable.Entry(
                key: key, value: try convert(value, path: keyPath, line: keyLine, lines: lines, file: file, depth: depth + 1),
                line: keyLine))
        }
        // toml++ keeps keys sorted; the file's order is what a reader expects in errors.
        out.entries.sort { ($0.line, $0.key) < ($1.line, $1.key) }
        return out
    }

    private static func convert(_ value: TOMLValueConvertible, path: [String], line: Int, lines: SourceLines,
                                file: String, depth: Int) throws(TOMLError) -> TOMLValue {
        guard depth <= maxDepth else {
            throw TOMLError(file: file, line: line, key: path.joined(separator: "."), message: "values nested too deeply")
        }
        switch value.type {
        case .string: return .string(value.string ?? "")
        case .int: return .integer(value.int ?? 0)
        case .double: return .float(value.double ?? 0)
        case .bool: return .boolean(value.bool ?? false)
        case .date, .time, .dateTime: return .datetime(value.debugDescription)
        case .table:
            guard let table = value.table else { return .table(TOMLTable(line: line)) }
            return .table(try convert(table, path: path, line: line, lines: lines, file: file, depth: depth))
        case .array:
            var items: [TOMLValue] = []
            for item in value.array.map(Array.init) ?? [] {
                items.append(try convert(item, path: path, line: line, lines: lines, file: file, depth: depth + 1))
            }
            return .array(items)
        }
    }
}

/// Where each key is defined, from a light scan of the text (TOMLKit keeps no positions):
/// `[table]` headers and `key = value` lines, bare, quoted or dotted.
private struct SourceLines {
    private var lineOf: [[String]: Int] = [:]
    private var depths: [(line: Int, depth: Int)] = []

    init(_ text: String) {
        var table: [String] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            let line = raw.drop { $0 == " " || $0 == "\t" }
            if line.hasPrefix("[") {
                let name = line.drop { $0 == "[" }.prefix { $0 != "]" }
                table = Self.keyParts(Substring(name))
                depths.append((number, table.count))
                if lineOf[table] == nil { lineOf[table] = number }
            } else if let eq = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = Self.keyParts(line[..<eq])
                guard !key.isEmpty else { continue }
                depths.append((number, table.count + key.count))
                for end in 1...key.count where lineOf[table + key.prefix(end)] == nil {
                    lineOf[table + key.prefix(end)] = number
                }
            }
        }
    }

    func line(of path: [String]) -> Int? { lineOf[path] }

    /// The first line whose key is nested deeper than `limit`.
    func tooDeep(_ limit: Int) -> Int? { depths.first { $0.depth > limit }?.line }

    /// `a."b.c".d` → ["a", "b.c", "d"].
    static func keyParts(_ text: Substring) -> [String] {
        var parts: [String] = []
        var current = ""
        var quote: Character?
        for ch in text {
            if let q = quote {
                if ch == q { quote = nil } else { current.append(ch) }
            } else if ch == "\"" || ch == "'" {
                quote = ch
            } else if ch == "." {
                parts.append(current.trimmingWhitespace())
                current = ""
            } else {
                current.append(ch)
            }
        }
        let last = current.trimmingWhitespace()
        if !last.isEmpty || !parts.isEmpty { parts.append(last) }
        return parts
    }
}
