import Foundation
import Testing
import TOMLKit
@testable import PacetopUI

/// The TOML 1.0 cases of toml-test (Tests/Fixtures/toml-test, see its README), and a
/// comparison with TOMLKit (toml++), the reference reader that the tests alone link.
@Suite struct TOMLConformanceTests {
    static let root: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<2 { url.deleteLastPathComponent() }
        return url.appendingPathComponent("Fixtures/toml-test").path
    }()

    /// The case list that toml-test ships for TOML 1.0.
    static func cases(_ kind: String) throws -> [String] {
        let list = try String(contentsOfFile: root + "/files-toml-1.0.0", encoding: .utf8)
        return list.split(separator: "\n").map(String.init).filter { $0.hasPrefix(kind + "/") && $0.hasSuffix(".toml") }
    }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: root + "/" + name)))
    }

    @Test func everyValidCaseParsesToItsExpectedValues() throws {
        let names = try Self.cases("valid")
        #expect(names.count == 205)
        var passed = 0
        for name in names {
            let expectedJSON = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: Self.root + "/" + name.dropLast(5) + ".json")), options: [.fragmentsAllowed])
            do {
                let table = try PacetopUI.TOML.parse(bytes: Self.bytes(name), file: name)
                let got = Plain(.table(table))
                let expected = try Plain(json: expectedJSON)
                #expect(got == expected, "\(name)\n got \(got)\nwant \(expected)")
                if got == expected { passed += 1 }
            } catch {
                Issue.record("\(name): \(error)")
            }
        }
        print("toml-test valid (TOML 1.0): \(passed) of \(names.count) passed")
    }

    @Test func everyInvalidCaseIsRefusedWithALine() throws {
        let names = try Self.cases("invalid")
        #expect(names.count == 473)
        var refused = 0
        for name in names {
            let bytes = try Self.bytes(name)
            do {
                let table = try PacetopUI.TOML.parse(bytes: bytes, file: name)
                Issue.record("\(name) parsed: \(Plain(.table(table)))")
            } catch {
                #expect(error.file == name && error.line > 0 && !error.message.isEmpty, "\(name): \(error)")
                refused += 1
            }
        }
        print("toml-test invalid (TOML 1.0): \(refused) of \(names.count) refused")
    }

    /// A file cut anywhere (an editor saving half a file) parses or fails at a line inside it:
    /// never a crash, a hang or a line past the end.
    @Test func everyTruncationOfEveryValidCaseParsesOrFailsAtALine() throws {
        var cuts = 0, failed = 0
        for name in try Self.cases("valid") {
            let bytes = try Self.bytes(name)
            let lines = bytes.count { $0 == UInt8(ascii: "\n") } + 1
            // Up to 32 cuts a file, spread over it (all of them take ~20 s in a debug build).
            for end in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 32)) {
                cuts += 1
                do {
                    _ = try PacetopUI.TOML.parse(bytes: Array(bytes[..<end]), file: name)
                } catch {
                    failed += 1
                    #expect(error.line >= 1 && error.line <= lines, "\(name) cut at \(end): \(error)")
                }
            }
        }
        #expect(failed > 0 && failed < cuts)
        print("truncations: \(cuts) cuts, \(failed) refused")
    }

    /// Every valid case, every shipped theme and the README's example config read the same
    /// with TOMLKit; dates compare as text because ours are written the way toml++ prints them.
    @Test func sameValuesAsTOMLKit() throws {
        var inputs: [(String, String)] = try Self.cases("valid").map { name in
            (name, String(decoding: try Self.bytes(name), as: UTF8.self))
        }
        for theme in try FileManager.default.contentsOfDirectory(atPath: repoThemes).sorted() where theme.hasSuffix(".toml") {
            inputs.append((theme, try String(contentsOfFile: repoThemes + "/" + theme, encoding: .utf8)))
        }
        let readme = try String(contentsOfFile: repoThemes + "/../README.md", encoding: .utf8)
        let config = try #require(readme.components(separatedBy: "### Config file").dropFirst().first?
            .components(separatedBy: "```toml\n").dropFirst().first?.components(separatedBy: "```").first)
        #expect(config.contains("interval = 1.5"))
        inputs.append(("README.md config", config))
        var same = 0
        var unreadable: [String] = []
        for (name, text) in inputs {
            let ours = Plain(.table(try PacetopUI.TOML.parse(text, file: name)))
            guard let theirs = Plain.tomlKit(try TOMLKit.TOMLTable(string: text)) else {
                unreadable.append(name)
                continue
            }
            // TOMLKit hands strings over as C strings: a string with a NUL (`\u0000`) ends there.
            #expect(ours.cutAtNUL() == theirs, "\(name)\n ours \(ours)\ntheirs \(theirs)")
            if ours == theirs { same += 1 }
        }
        print("TOMLKit comparison: \(same) of \(inputs.count) files read the same, the rest differ only after a NUL in a string;"
              + " TOMLKit cannot give back the keys of \(unreadable)")
        // Its key "\u0000" comes back from TOMLKit as "", which it then cannot find.
        #expect(unreadable == ["valid/key/quoted-unicode.toml"])
    }
}

/// A TOML value without source lines, in toml-test's typed form, comparable across readers.
indirect enum Plain: Equatable, CustomStringConvertible {
    case scalar(type: String, value: String)
    case float(Double)
    case array([Plain])
    case table([String: Plain])

    init(_ value: PacetopUI.TOMLValue) {
        switch value {
        case .string(let s): self = .scalar(type: "string", value: s)
        case .integer(let i): self = .scalar(type: "integer", value: String(i))
        case .float(let d): self = .float(d)
        case .boolean(let b): self = .scalar(type: "bool", value: String(b))
        case .datetime(let text): self = .scalar(type: Self.dateType(text), value: text)
        case .array(let items): self = .array(items.map { Plain($0) })
        case .table(let t): self = .table(Dictionary(uniqueKeysWithValues: t.entries.map { ($0.key, Plain($0.value)) }))
        }
    }

    /// toml-test's expected JSON: tables are objects, scalars `{"type": …, "value": "…"}`.
    init(json: Any) throws {
        if let items = json as? [Any] {
            self = .array(try items.map(Plain.init(json:)))
        } else if let object = json as? [String: Any], object.count == 2,
                  let type = object["type"] as? String, let value = object["value"] as? String {
            switch type {
            case "float": self = .float(value.hasSuffix("nan") ? .nan : try #require(Double(value)))
            case "integer": self = .scalar(type: type, value: String(try #require(Int(value))))
            case "datetime", "datetime-local", "date-local", "time-local":
                self = .scalar(type: type, value: Self.tomlppDate(value))
            default: self = .scalar(type: type, value: value)
            }
        } else if let object = json as? [String: Any] {
            self = .table(try object.mapValues(Plain.init(json:)))
        } else {
            throw CocoaError(.coderInvalidValue)
        }
    }

    /// TOMLKit's values, typed the same way; nil when TOMLKit cannot give back a key it read.
    static func tomlKit(_ value: TOMLValueConvertible) -> Plain? {
        switch value.type {
        case .string: return .scalar(type: "string", value: value.string!)
        case .int: return .scalar(type: "integer", value: String(value.int!))
        case .double: return .float(value.double!)
        case .bool: return .scalar(type: "bool", value: String(value.bool!))
        case .date: return .scalar(type: "date-local", value: value.debugDescription)
        case .time: return .scalar(type: "time-local", value: value.debugDescription)
        case .dateTime:
            // From the parts: TOMLKit prints a local date-time with a `Z` it does not have.
            let dt = value.dateTime!
            let text = dt.date.debugDescription + "T" + dt.time.debugDescription
            guard let minutes = dt.offset?.offset else { return .scalar(type: "datetime-local", value: text) }
            let hhmm = String(format: "%02d:%02d", abs(minutes) / 60, abs(minutes) % 60)
            return .scalar(type: "datetime", value: text + (minutes == 0 ? "Z" : (minutes < 0 ? "-" : "+") + hhmm))
        case .array:
            var items: [Plain] = []
            for item in value.array! {
                guard let plain = tomlKit(item) else { return nil }
                items.append(plain)
            }
            return .array(items)
        case .table:
            let table = value.table!
            var out: [String: Plain] = [:]
            for key in table.keys {
                guard let item = table[key], let plain = tomlKit(item) else { return nil }
                out[key] = plain
            }
            return .table(out)
        }
    }

    /// The same value with every string cut at its first NUL.
    func cutAtNUL() -> Plain {
        switch self {
        case let .scalar("string", value): .scalar(type: "string", value: String(value.prefix { $0 != "\0" }))
        case .scalar, .float: self
        case let .array(items): .array(items.map { $0.cutAtNUL() })
        case let .table(t): .table(t.mapValues { $0.cutAtNUL() })
        }
    }

    static func dateType(_ text: String) -> String {
        guard text.contains("-") else { return "time-local" }
        guard text.contains("T") else { return "date-local" }
        return text.hasSuffix("Z") || text.dropFirst(19).contains(where: { $0 == "+" || $0 == "-" }) ? "datetime" : "datetime-local"
    }

    /// toml-test's spelling of a date/time → toml++'s: `T`, `Z` for a zero offset, the
    /// fraction without trailing zeros (at most 9 digits).
    static func tomlppDate(_ text: String) -> String {
        var s = text.uppercased().replacingOccurrences(of: " ", with: "T")
        for zero in ["+00:00", "-00:00"] where s.hasSuffix(zero) { s = String(s.dropLast(6)) + "Z" }
        guard let dot = s.firstIndex(of: ".") else { return s }
        let digits = s[s.index(after: dot)...].prefix { $0.isNumber }
        let rest = s[digits.endIndex...]
        var fraction = String(digits.prefix(9))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        return String(s[..<dot]) + (fraction.isEmpty ? "" : "." + fraction) + rest
    }

    static func == (a: Plain, b: Plain) -> Bool {
        switch (a, b) {
        case let (.scalar(t1, v1), .scalar(t2, v2)): t1 == t2 && v1 == v2
        case let (.float(x), .float(y)): x == y || (x.isNaN && y.isNaN)
        case let (.array(x), .array(y)): x == y
        case let (.table(x), .table(y)): x == y
        default: false
        }
    }

    var description: String {
        switch self {
        case let .scalar(type, value): "\(type):\(value.debugDescription)"
        case let .float(d): "float:\(d)"
        case let .array(items): "[" + items.map(\.description).joined(separator: ", ") + "]"
        case let .table(t): "{" + t.keys.sorted().map { "\($0.debugDescription): \(t[$0]!)" }.joined(separator: ", ") + "}"
        }
    }
}
