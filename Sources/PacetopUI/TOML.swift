/// Config and theme files are TOML 1.0, read by our own parser (TOMLParser.swift) into this
/// small model: ordered entries that remember their source line, so errors can point at it.
/// The parser needs nothing from Foundation, so the shipped binary links no Foundation or ICU.
/// Dates and times are kept as text (no setting needs them as dates), validated and written
/// the way toml++ prints them: `1979-05-27T07:32:00Z`, `T` between date and time, `Z` for a
/// zero offset, the fraction of a second cut to 9 digits without trailing zeros.
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
    /// Keys nested deeper than this (`a.b.c…`, tables in tables, arrays in arrays) are refused:
    /// no setting needs more than three levels, and deep nesting only costs stack.
    public static let maxDepth = 16

    /// Parses `text`; `file` is only used in error messages.
    public static func parse(_ text: String, file: String) throws(TOMLError) -> TOMLTable {
        try parse(bytes: Array(text.utf8), file: file)
    }

    /// Parses the bytes of a file: invalid UTF-8 is an error at its line.
    public static func parse(bytes: [UInt8], file: String) throws(TOMLError) -> TOMLTable {
        _ = try text(utf8: bytes, file: file)
        var parser = TOMLParser(bytes: bytes, file: file)
        return try parser.document()
    }

    /// A file's bytes as text, or an error at the line of the first byte that is not UTF-8.
    public static func text(utf8 bytes: [UInt8], file: String) throws(TOMLError) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        while case .scalarValue(let scalar) = decoder.decode(&iterator) { offset += UTF8.width(scalar) }
        let line = bytes[..<offset].reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
        throw TOMLError(file: file, line: line, message: "the file is not valid UTF-8")
    }
}
