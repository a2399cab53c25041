#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import FoundationEssentials
import Glibc
import PacetopBase
#endif

/// Why a theme could not be loaded. `description` is the message to show the user.
public enum ThemeError: Error, Hashable, Sendable, CustomStringConvertible {
    /// No file for this name in any search directory.
    case notFound(name: String, searched: [String])
    case unreadable(path: String)
    /// A syntax or content error, as `FILE:LINE: key "x": message`.
    case invalid(TOMLError)

    public var description: String {
        switch self {
        case .notFound(let name, let searched):
            return "theme \"\(name)\" not found (looked in: \(searched.joined(separator: ", ")))"
        case .unreadable(let path):
            return "\(path): cannot read theme file"
        case .invalid(let e):
            return e.description
        }
    }
}

/// Finds and loads Helix-style TOML themes.
///
/// Search order for a theme NAME (the first directory holding `NAME.toml` wins):
/// 1. `$XDG_CONFIG_HOME/pacetop/themes` (default `~/.config/pacetop/themes`)
/// 2. `<executable dir>/../share/pacetop/themes` (installed layout)
/// 3. the repository's `themes/`, for builds from a checkout: found by walking up from the
///    executable to the first directory that holds both `Package.swift` and `themes/`.
/// A `--theme` value containing "/" or ending in ".toml" is a path. When no file named
/// "default" exists anywhere, the tiny built-in default is used.
public struct ThemeLoader: Sendable {
    public var directories: [String]

    public static let builtinName = "default"
    /// The fallback when no theme files are installed; kept tiny on purpose.
    public static let builtinSource = """
        "ui.dim" = { modifiers = ["dim"] }
        "ui.title" = { modifiers = ["bold"] }
        "ui.header" = { modifiers = ["bold", "underlined"] }
        "selection" = { modifiers = ["reversed"] }
        "alert" = { fg = "red", modifiers = ["bold"] }
        "warning" = "yellow"
        "ok" = "green"
        "info" = "cyan"
        "master" = { fg = "yellow", modifiers = ["bold"] }
        """

    public init(directories: [String]) {
        self.directories = directories
    }

    /// The standard search path (see the type's documentation).
    public static func standard(environment: [String: String] = ProcessInfo.processInfo.environment,
                                executablePath: String? = ThemeLoader.currentExecutablePath()) -> ThemeLoader {
        var dirs: [String] = []
        if let xdg = environment["XDG_CONFIG_HOME"], !xdg.isEmpty {
            dirs.append(xdg + "/pacetop/themes")
        } else if let home = environment["HOME"], !home.isEmpty {
            dirs.append(home + "/.config/pacetop/themes")
        }
        if let exe = executablePath {
            let exeDir = parent(of: exe)
            dirs.append(parent(of: exeDir) + "/share/pacetop/themes")
            var dir = exeDir
            for _ in 0..<8 {
                if fileExists(dir + "/Package.swift"), fileExists(dir + "/themes") {
                    dirs.append(dir + "/themes")
                    break
                }
                let up = parent(of: dir)
                if up == dir { break }
                dir = up
            }
        }
        return ThemeLoader(directories: dirs)
    }

    /// The running executable, with symlinks resolved where the system allows it.
    public static func currentExecutablePath() -> String? {
        if let p = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return p }
        return CommandLine.arguments.first
    }

    /// Whether any theme file exists in the search path (otherwise only the built-in default).
    public var hasThemeFiles: Bool { !fileNames().isEmpty }

    /// Names of all themes, "default" first, then alphabetical; for cycling with `T`.
    public func availableThemes() -> [String] {
        let names = Set(fileNames()).union([Self.builtinName])
        return [Self.builtinName] + names.subtracting([Self.builtinName]).sorted()
    }

    /// The theme after `current` in `availableThemes()`, wrapping around (for the `T` key).
    public func nextTheme(after current: String) -> String {
        let all = availableThemes()
        guard let i = all.firstIndex(of: current) else { return all[0] }
        return all[(i + 1) % all.count]
    }

    /// The built-in default theme (always loads).
    public static func builtinTheme() -> Theme {
        // The built-in source is a constant that the tests load; it cannot fail.
        (try? parse(builtinSource, file: "built-in:default", name: builtinName)) ?? Theme(name: builtinName, styles: [:])
    }

    private func fileNames() -> [String] {
        directories.flatMap { dir in
            ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
                .filter { $0.hasSuffix(".toml") }
                .map { String($0.dropLast(5)) }
        }
    }

    /// Files for `name`, in search order.
    public func candidates(for name: String) -> [String] {
        directories.map { $0 + "/" + name + ".toml" }.filter(Self.fileExists)
    }

    /// Loads a theme by name or path, with its `inherits` chain.
    public func load(_ nameOrPath: String) throws(ThemeError) -> Theme {
        let isPath = nameOrPath.contains("/") || nameOrPath.hasSuffix(".toml")
        let file: String
        let name: String
        if isPath {
            file = nameOrPath
            name = String(Self.lastComponent(nameOrPath).dropLast(nameOrPath.hasSuffix(".toml") ? 5 : 0))
            guard Self.fileExists(file) else { throw .notFound(name: nameOrPath, searched: [nameOrPath]) }
        } else if let first = candidates(for: nameOrPath).first {
            file = first
            name = nameOrPath
        } else if nameOrPath == Self.builtinName {
            return try Self.parse(Self.builtinSource, file: "built-in:default", name: nameOrPath, loader: self)
        } else {
            throw .notFound(name: nameOrPath, searched: directories)
        }
        let text = try Self.read(file)
        return try Self.parse(text, file: file, name: name, loader: self)
    }

    /// Parses theme text. `loader` resolves `inherits` (nil: inheriting is an error).
    public static func parse(_ text: String, file: String, name: String,
                             loader: ThemeLoader? = nil) throws(ThemeError) -> Theme {
        var raw = RawTheme()
        try raw.load(text: text, file: file, loader: loader, chain: [file])
        do {
            return try raw.resolve(name: name, source: file)
        } catch {
            throw .invalid(error)
        }
    }

    static func read(_ path: String) throws(ThemeError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else { throw .unreadable(path: path) }
        do { return try TOML.text(utf8: [UInt8](data), file: path) } catch { throw .invalid(error) }
    }

    static func fileExists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }

    static func parent(of path: String) -> String {
        var p = path
        while p.count > 1, p.hasSuffix("/") { p.removeLast() }
        guard let slash = p.lastIndex(of: "/") else { return "." }
        let up = String(p[..<slash])
        return up.isEmpty ? "/" : up
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }
}

/// A theme file's entries before colours are resolved; inheritance merges these so a child's
/// `[palette]` also recolours the roles it inherits (as in Helix).
private struct RawTheme {
    struct Entry {
        var value: TOMLValue
        var file: String
        var line: Int
    }

    var palette: [String: Entry] = [:]
    var roles: [Role: Entry] = [:]

    mutating func load(text: String, file: String, loader: ThemeLoader?, chain: [String]) throws(ThemeError) {
        let table: TOMLTable
        do { table = try TOML.parse(text, file: file) } catch { throw .invalid(error) }

        // The parent first, so this file's entries override it.
        if let e = table.entry("inherits") {
            guard case .string(let parentName) = e.value else {
                throw err(file, e.line, "inherits", "must be a string (a theme name), not \(e.value.typeName)")
            }
            let candidates = loader?.candidates(for: parentName) ?? []
            // A file may inherit a theme of its own name from a later directory
            // (e.g. ~/.config/pacetop/themes/default.toml inheriting the shipped default).
            if let parentFile = candidates.first(where: { !chain.contains($0) }) {
                try load(text: ThemeLoader.read(parentFile), file: parentFile, loader: loader,
                         chain: chain + [parentFile])
            } else if !candidates.isEmpty {
                let cycle = (chain + [candidates[0]]).map(ThemeLoader.lastComponent).joined(separator: " -> ")
                throw err(file, e.line, "inherits", "inherits cycle: \(cycle)")
            } else if parentName == ThemeLoader.builtinName, !chain.contains("built-in:default") {
                try load(text: ThemeLoader.builtinSource, file: "built-in:default", loader: loader,
                         chain: chain + ["built-in:default"])
            } else {
                throw err(file, e.line, "inherits", "inherited theme \"\(parentName)\" not found")
            }
        }

        for e in table.entries where e.key != "inherits" {
            if e.key == "palette" {
                guard case .table(let pal) = e.value else {
                    throw err(file, e.line, "palette", "must be a table of colours")
                }
                for p in pal.entries { palette[p.key] = Entry(value: p.value, file: file, line: p.line) }
                continue
            }
            try addRole(e.key, e.value, file: file, line: e.line)
        }
    }

    /// Adds a role entry; a nested table that is not a style (`[node]` + `online = ...`)
    /// stands for dotted keys.
    mutating func addRole(_ key: String, _ value: TOMLValue, file: String, line: Int) throws(ThemeError) {
        if let role = Role(rawValue: key) {
            roles[role] = Entry(value: value, file: file, line: line)
            return
        }
        if case .table(let t) = value, !t.entries.isEmpty,
           !t.entries.contains(where: { ["fg", "bg", "modifiers"].contains($0.key) }) {
            for sub in t.entries { try addRole(key + "." + sub.key, sub.value, file: file, line: sub.line) }
            return
        }
        throw err(file, line, key, "unknown role (known roles: \(Role.allCases.map(\.rawValue).joined(separator: " ")))")
    }

    func err(_ file: String, _ line: Int, _ key: String, _ message: String) -> ThemeError {
        .invalid(TOMLError(file: file, line: line, key: key, message: message))
    }

    func resolve(name: String, source: String) throws(TOMLError) -> Theme {
        var styles: [Role: Style] = [:]
        for (role, e) in roles {
            styles[role] = try style(e, key: role.rawValue)
        }
        // Unused palette entries are still checked, so a typo does not hide until used.
        for (key, e) in palette {
            _ = try ThemeColors.parse(e.value, file: e.file, line: e.line, key: "palette." + key)
        }
        return Theme(name: name, source: source, styles: styles)
    }

    func style(_ e: Entry, key: String) throws(TOMLError) -> Style {
        switch e.value {
        case .string, .integer:
            return Style(fg: try color(e.value, e, key: key))
        case .table(let t):
            var s = Style()
            for f in t.entries {
                switch f.key {
                case "fg": s.fg = try color(f.value, e, key: key)
                case "bg": s.bg = try color(f.value, e, key: key)
                case "modifiers":
                    guard case .array(let items) = f.value else {
                        throw TOMLError(file: e.file, line: f.line, key: key, message: "modifiers must be an array of strings")
                    }
                    for item in items {
                        guard case .string(let m) = item, let mod = ThemeColors.modifier(m) else {
                            let shown = if case .string(let m) = item { "\"\(m)\"" } else { item.typeName }
                            throw TOMLError(file: e.file, line: f.line, key: key,
                                            message: "unknown modifier \(shown) (use bold, dim, italic, underlined, reversed)")
                        }
                        s.modifiers.insert(mod)
                    }
                default:
                    throw TOMLError(file: e.file, line: f.line, key: key,
                                    message: "unknown style field \"\(f.key)\" (use fg, bg, modifiers)")
                }
            }
            return s
        default:
            throw TOMLError(file: e.file, line: e.line, key: key,
                            message: "a style must be a colour string or a table like { fg = \"red\", modifiers = [\"bold\"] }, not \(e.value.typeName)")
        }
    }

    func color(_ v: TOMLValue, _ e: Entry, key: String) throws(TOMLError) -> Color {
        if case .string(let s) = v, let p = palette[s] {
            return try ThemeColors.parse(p.value, file: p.file, line: p.line, key: "palette." + s)
        }
        return try ThemeColors.parse(v, file: e.file, line: e.line, key: key)
    }
}

/// Colour and modifier names accepted in theme files.
public enum ThemeColors {
    public static let names: [String: Color] = {
        var m: [String: Color] = ["default": .default, "reset": .default]
        let base = ["black", "red", "green", "yellow", "blue", "magenta", "cyan", "white"]
        for (i, n) in base.enumerated() {
            m[n] = .ansi(UInt8(i))
            m["light-" + n] = .ansi(UInt8(i + 8))
            m["bright-" + n] = .ansi(UInt8(i + 8))
        }
        m["gray"] = .ansi(8)
        m["grey"] = .ansi(8)
        m["light-gray"] = .ansi(7)
        m["light-grey"] = .ansi(7)
        return m
    }()

    public static func modifier(_ name: String) -> Modifiers? {
        switch name {
        case "bold": .bold
        case "dim": .dim
        case "italic": .italic
        case "underlined", "underline": .underline
        case "reversed", "reverse": .reverse
        default: nil
        }
    }

    /// `"#rrggbb"`, a colour name, or an integer 0–255.
    public static func parse(_ v: TOMLValue, file: String, line: Int, key: String) throws(TOMLError) -> Color {
        switch v {
        case .integer(let n):
            guard (0...255).contains(n) else {
                throw TOMLError(file: file, line: line, key: key, message: "colour number \(n) is not in 0-255")
            }
            return .indexed(UInt8(n))
        case .string(let s):
            if let c = names[s.lowercased()] { return c }
            if s.hasPrefix("#"), s.count == 7, let n = UInt32(s.dropFirst(), radix: 16) {
                return .rgb(UInt8(n >> 16), UInt8((n >> 8) & 0xff), UInt8(n & 0xff))
            }
            throw TOMLError(file: file, line: line, key: key,
                            message: "unknown colour \"\(s)\" (use a [palette] name, \"#rrggbb\", a colour name like \"light-red\", or 0-255)")
        default:
            throw TOMLError(file: file, line: line, key: key, message: "a colour must be a string or an integer, not \(v.typeName)")
        }
    }
}
