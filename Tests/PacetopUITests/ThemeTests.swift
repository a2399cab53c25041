import Foundation
import Testing
@testable import PacetopUI

/// The repository's themes/ folder, found from this source file.
let repoThemes: String = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }
    return url.appendingPathComponent("themes").path
}()

/// A fresh temporary directory for theme files.
func tempDir() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("pacetop-theme-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir.path
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// The error message a theme load fails with, or nil if it loads.
func loadError(_ loader: ThemeLoader, _ name: String) -> String? {
    do {
        _ = try loader.load(name)
        return nil
    } catch {
        return error.description
    }
}

@Suite struct TOMLTests {
    @Test func parsesTheSubsetThemesUse() throws {
        let t = try TOML.parse("""
            # comment
            inherits = "default"   # trailing comment
            "node.online" = { fg = "green", modifiers = ["bold", 'dim'] }
            n = -12_000
            flag = true
            list = [
              1, 2,  # comment in array
              3,
            ]
            esc = "a\\tb\\"c\\u00e9"
            [palette]
            light-red = "#ff0000"
            [a.b]
            c.d = 1
            """, file: "t.toml")
        #expect(t["inherits"] == .string("default"))
        guard case .table(let style)? = t["node.online"] else { Issue.record("no inline table"); return }
        #expect(style["fg"] == .string("green"))
        #expect(style["modifiers"] == .array([.string("bold"), .string("dim")]))
        #expect(t["n"] == .integer(-12000))
        #expect(t["flag"] == .boolean(true))
        #expect(t["list"] == .array([.integer(1), .integer(2), .integer(3)]))
        #expect(t["esc"] == .string("a\tb\"cé"))
        #expect(t.entry("esc")?.line == 10)
        guard case .table(let pal)? = t["palette"] else { Issue.record("no palette"); return }
        #expect(pal["light-red"] == .string("#ff0000"))
        guard case .table(let a)? = t["a"], case .table(let b)? = a["b"], case .table(let c)? = b["c"] else {
            Issue.record("no nested tables"); return
        }
        #expect(c["d"] == .integer(1))
    }

    /// Parse errors name the file, the line of the mistake and, where there is one, the key.
    @Test func syntaxErrorsNameFileAndLine() {
        func err(_ text: String) -> String {
            do { _ = try TOML.parse(text, file: "x.toml"); return "parsed" } catch { return error.description }
        }
        for (text, line) in [("a = 1\nb = {fg = \"red\"\n", 2), ("\nalert \"red\"", 2), ("a = \"open", 1),
                             ("a = 1\na = 2", 2), ("a = red", 1), ("a = 1 2", 1), ("[p]\n[p]", 2),
                             ("a = \"\\q\"", 1)] {
            let message = err(text)
            #expect(message.hasPrefix("x.toml:\(line): "), "\(text.debugDescription) → \(message)")
        }
        #expect(err("a = 1\na = 2") == "x.toml:2: key \"a\": is defined twice (first on line 1)")
        #expect(err("[p]\nx = 1\n\n[p]") == "x.toml:4: key \"p\": table [p] is defined twice (already defined on line 1)")
        #expect(err("[keys]\ncleanup.x = 1\n[keys.cleanup]")
                == "x.toml:3: key \"keys.cleanup\": table [keys.cleanup] is defined twice (already made by dotted keys on line 2)")
        #expect(err("s = \"\"\"\nok\nbad \\q\"\"\"") == "x.toml:3: invalid escape \\q in a string (valid: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)")
        #expect(err("theme = nord") == "x.toml:1: key \"theme\": expected a value, found nord (a string needs quotes: \"nord\")")
        #expect(err("interval = 01.5") == "x.toml:1: key \"interval\": leading zeros are not allowed: 01.5")
        #expect(err("n = 9223372036854775808") == "x.toml:1: key \"n\": integer does not fit in 64 bits: 9223372036854775808")
        #expect(err("when = 2026-02-29T03:00:00Z") == "x.toml:1: key \"when\": invalid date/time: 2026-02-29T03:00:00Z")
        #expect(err("a = 1\r\nb = 2\rc = 3") == "x.toml:2: a carriage return must be followed by a line feed")
        #expect(err("a = \"tab\tok, bell\u{07} not\"") == "x.toml:1: control character U+0007 in a string; write it as an escape")
        #expect(err("t = { a = 1,\n b = 2 }") == "x.toml:1: key \"t\": inline table is not closed on its line (inline tables are on one line)")
        #expect(err("fg = {a = 1}\n[fg]") == "x.toml:2: key \"fg\": is an inline table (line 1), which cannot be extended")
        do {
            _ = try TOML.parse(bytes: Array("ok = 1\n# caf".utf8) + [0xE9, 0x0A], file: "x.toml")
            Issue.record("invalid UTF-8 parsed")
        } catch {
            #expect(error.description == "x.toml:2: the file is not valid UTF-8")
        }
        #expect(err("a = " + String(repeating: "[", count: 100_000)).contains("nested"))
        // Keys nested deeper than the cap are refused.
        let deep = Array(repeating: "k", count: 40).joined(separator: ".") + " = 1"
        #expect(err("ok = 1\n" + deep) == "x.toml:2: keys nested too deeply (more than 16 levels)")
        #expect(err("[" + Array(repeating: "t", count: 40).joined(separator: ".") + "]").hasPrefix("x.toml:1: keys nested too deeply"))
    }

    @Test func fullTOMLFloatsDatesAndMultiLineStrings() throws {
        let t = try TOML.parse("""
            interval = 1.5
            when = 2026-11-30T03:00:00Z
            text = \"\"\"
            two
            lines\"\"\"
            [keys]
            cleanup = "x"
            """, file: "t.toml")
        #expect(t["interval"] == .float(1.5))
        #expect(t["when"] == .datetime("2026-11-30T03:00:00Z"))
        #expect(t["text"] == .string("two\nlines"))
        #expect(t.entries.map(\.key) == ["interval", "when", "text", "keys"], "source order")
        #expect(t.entries.map(\.line) == [1, 2, 3, 6], "every key's own line")
        guard case .table(let keys)? = t["keys"] else { Issue.record("no keys table"); return }
        #expect(keys.entry("cleanup")?.line == 7)
    }
}

extension TOMLTests {
    /// Dates and times are checked and written one way, as toml++ prints them.
    @Test(arguments: [
        ("1979-05-27 07:32:00.120-00:00", "1979-05-27T07:32:00.12Z"),
        ("1979-05-27t07:32:00z", "1979-05-27T07:32:00Z"),
        ("1979-05-27T00:32:00.999999+07:00", "1979-05-27T00:32:00.999999+07:00"),
        ("1979-05-27T07:32:00.000", "1979-05-27T07:32:00"),
        ("2024-02-29", "2024-02-29"),
        ("07:32:00.1234567891", "07:32:00.123456789"),
        ("2016-12-31T23:59:60Z", "2016-12-31T23:59:60Z"),  // a leap second (RFC 3339)
    ])
    func datesAreWrittenOneWay(_ written: String, _ read: String) throws {
        #expect(try TOML.parse("d = \(written)", file: "d.toml")["d"] == .datetime(read))
    }

    @Test func aByteOrderMarkIsSkipped() throws {
        #expect(try TOML.parse(bytes: [0xEF, 0xBB, 0xBF] + Array("a = 1\n".utf8), file: "b.toml")["a"] == .integer(1))
    }
}

@Suite struct ThemeTests {
    let shipped = ["default", "default-256", "solarized-dark", "high-contrast", "monochrome", "colorblind"]

    @Test func everyShippedThemeLoadsAndResolvesEveryRoleAtEveryDepth() throws {
        let loader = ThemeLoader(directories: [repoThemes])
        for name in shipped {
            let theme = try loader.load(name)
            #expect(theme.name == name)
            #expect(theme.source.hasSuffix("themes/\(name).toml"))
            for depth in ColorDepth.allCases {
                let resolved = theme.resolved(for: depth)
                for role in Role.allCases {
                    let s = resolved.style(role)
                    for c in [s.fg, s.bg].compactMap({ $0 }) {
                        switch (depth, c) {
                        case (_, .default): break
                        case (.mono, _): Issue.record("\(name) \(role) has a colour in mono")
                        case (.ansi8, .ansi(let n)): #expect(n < 8, "\(name) \(role)")
                        case (.ansi16, .ansi): break
                        case (.c256, .ansi), (.c256, .indexed): break
                        case (.truecolor, _): break
                        default: Issue.record("\(name) \(role) has \(c) at \(depth)")
                        }
                    }
                }
                // Without colour the key states stay distinguishable.
                if depth == .mono {
                    let ok = resolved[.ok], warning = resolved[.warning], alert = resolved[.alert]
                    #expect(resolved[.selection].reverse, "\(name)")
                    #expect(Set([ok, warning, alert]).count == 3, "\(name): ok/warning/alert look the same in mono")
                }
            }
        }
        #expect(Set(loader.availableThemes()).isSuperset(of: shipped))
        #expect(loader.availableThemes().first == "default")
    }

    @Test func defaultThemeUsesOnlyANSIColoursAndNoBackground() throws {
        let theme = try ThemeLoader(directories: [repoThemes]).load("default")
        for role in Role.allCases {
            let s = theme[role]
            #expect(s.bg == nil || s.bg == .default, "\(role)")
            if let fg = s.fg, case .ansi = fg {} else if let fg = s.fg { #expect(fg == .default, "\(role)") }
        }
        #expect(theme[.nodeOnline] == Style(fg: .green))
        #expect(theme[.selection] == Style(reverse: true))
    }

    @Test func fallbackChain() {
        let theme = Theme(name: "t", styles: [.uiText: Style(fg: .white), .ok: Style(fg: .green), .alert: Style(fg: .red)])
        #expect(theme[.nodeOnline] == Style(fg: .green))        // node.online → ok
        #expect(theme[.resourcePromoted] == Style(fg: .green))  // → master → ok
        #expect(theme[.nodeUnclean] == Style(fg: .red))         // → alert
        #expect(theme[.warning] == Style(fg: .red))             // → alert
        #expect(theme[.uiHeader] == Style(fg: .white))          // → ui.title → ui.text
        for role in Role.allCases {
            var seen: Set<Role> = []
            var r: Role? = role
            while let cur = r { #expect(seen.insert(cur).inserted, "cycle at \(role)"); r = cur.fallback }
            #expect(seen.contains(.uiText), "\(role) does not end at ui.text")
        }
    }

    @Test func inheritanceAndPaletteOverride() throws {
        let loader = ThemeLoader(directories: [repoThemes])
        let base = try loader.load("default")
        let t256 = try loader.load("default-256")
        // default-256 recolours "green" in its palette: default's roles follow.
        #expect(t256[.ok] == Style(fg: .indexed(71)))
        #expect(t256[.nodeOnline] == Style(fg: .indexed(71)))
        // Roles without palette colours are inherited unchanged.
        #expect(t256[.selection] == base[.selection])
        #expect(t256[.uiHeader] == base[.uiHeader])
    }

    @Test func userThemeOverridesAndInheritsTheShippedOneOfTheSameName() throws {
        let config = try tempDir()
        try FileManager.default.createDirectory(atPath: config + "/pacetop/themes", withIntermediateDirectories: true)
        try write("inherits = \"default\"\n\"alert\" = \"magenta\"\n", to: config + "/pacetop/themes/default.toml")
        try write("\"ok\" = \"blue\"\n", to: config + "/pacetop/themes/mine.toml")
        let exe = URL(fileURLWithPath: repoThemes).deletingLastPathComponent().path + "/.build/debug/pacetop"
        let loader = ThemeLoader.standard(environment: ["XDG_CONFIG_HOME": config, "HOME": "/nonexistent"],
                                          executablePath: exe)
        #expect(loader.directories.first == config + "/pacetop/themes")
        #expect(loader.directories.last == repoThemes)
        let theme = try loader.load("default")
        #expect(theme[.alert] == Style(fg: .magenta))
        #expect(theme[.ok] == Style(fg: .green))  // from the shipped default
        #expect(try loader.load("mine")[.ok] == Style(fg: .blue))
        #expect(loader.availableThemes().contains("mine"))
        // A path works too.
        #expect(try loader.load(config + "/pacetop/themes/mine.toml")[.ok] == Style(fg: .blue))
    }

    @Test func homeConfigWhenXDGIsUnset() {
        let loader = ThemeLoader.standard(environment: ["HOME": "/home/op"], executablePath: "/opt/pacetop/bin/pacetop")
        #expect(loader.directories == ["/home/op/.config/pacetop/themes", "/opt/pacetop/share/pacetop/themes"])
    }

    @Test func builtInDefaultWhenNoThemeFilesExist() throws {
        let loader = ThemeLoader(directories: ["/nonexistent/themes"])
        #expect(!loader.hasThemeFiles)
        let theme = try loader.load("default")
        #expect(theme.source == "built-in:default")
        #expect(theme[.selection].reverse)
        #expect(theme[.alert] == Style(fg: .red, bold: true))
        #expect(loader.availableThemes() == ["default"])
        #expect(loadError(loader, "solarized-dark")?.hasPrefix("theme \"solarized-dark\" not found") == true)
    }

    @Test func contentErrorsNameFileLineAndKey() throws {
        let dir = try tempDir()
        let loader = ThemeLoader(directories: [dir])
        func check(_ name: String, _ text: String, _ expected: String) throws {
            try write(text, to: "\(dir)/\(name).toml")
            #expect(loadError(loader, name) == "\(dir)/\(name).toml:\(expected)")
        }
        try check("colour", "\"alert\" = \"redd\"", "1: key \"alert\": unknown colour \"redd\" (use a [palette] name, \"#rrggbb\", a colour name like \"light-red\", or 0-255)")
        try check("modifier", "\n\"alert\" = { fg = \"red\", modifiers = [\"blink\"] }", "2: key \"alert\": unknown modifier \"blink\" (use bold, dim, italic, underlined, reversed)")
        try check("number", "\"alert\" = 300", "1: key \"alert\": colour number 300 is not in 0-255")
        try check("field", "\"alert\" = { colour = \"red\" }", "1: key \"alert\": unknown style field \"colour\" (use fg, bg, modifiers)")
        try check("palette", "[palette]\nfoo = \"#12345\"\n", "2: key \"palette.foo\": unknown colour \"#12345\" (use a [palette] name, \"#rrggbb\", a colour name like \"light-red\", or 0-255)")
        try check("missing", "# x\ninherits = \"nope\"", "2: key \"inherits\": inherited theme \"nope\" not found")
        try check("syntax", "\"alert\" = { fg = \"red\"", "1: key \"alert\": inline table is not closed before the end of the file")
        try Data("\"alert\" = \"red\"\n# caf".utf8 + [0xE9]).write(to: URL(fileURLWithPath: "\(dir)/latin1.toml"))
        #expect(loadError(loader, "latin1") == "\(dir)/latin1.toml:2: the file is not valid UTF-8")
        try write("inherits = \"b\"\n", to: "\(dir)/a.toml")
        try write("\n\ninherits = \"a\"\n", to: "\(dir)/b.toml")
        #expect(loadError(loader, "a") == "\(dir)/b.toml:3: key \"inherits\": inherits cycle: a.toml -> b.toml -> a.toml")
        try write("inherits = \"self\"\n", to: "\(dir)/self.toml")
        #expect(loadError(loader, "self") == "\(dir)/self.toml:1: key \"inherits\": inherits cycle: self.toml -> self.toml")
    }

    @Test func unknownRoleMessageListsRolesAfterThePrefix() throws {
        // The role list is long; check the important part is a prefix, as the CLI prints it.
        let dir = try tempDir()
        try write("\"x\" = \"red\"", to: dir + "/r.toml")
        let msg = loadError(ThemeLoader(directories: [dir]), "r") ?? ""
        #expect(msg.hasPrefix("\(dir)/r.toml:1: key \"x\": unknown role"))
        #expect(msg.contains("node.online"))
    }

    @Test func colourNamesAndNumbers() throws {
        func c(_ v: TOMLValue) throws -> Color { try ThemeColors.parse(v, file: "f", line: 1, key: "k") }
        #expect(try c(.string("red")) == .ansi(1))
        #expect(try c(.string("light-red")) == .ansi(9))
        #expect(try c(.string("bright-blue")) == .ansi(12))
        #expect(try c(.string("gray")) == .ansi(8))
        #expect(try c(.string("light-gray")) == .ansi(7))
        #expect(try c(.string("default")) == .default)
        #expect(try c(.string("#FF8000")) == .rgb(255, 128, 0))
        #expect(try c(.integer(208)) == .indexed(208))
    }

    @Test func nestedTablesMeanDottedRoles() throws {
        let theme = try ThemeLoader.parse("[node]\nonline = \"blue\"\n[resource.failed]\nfg = \"red\"\n", file: "n.toml", name: "n")
        #expect(theme[.nodeOnline] == Style(fg: .blue))
        #expect(theme[.resourceFailed] == Style(fg: .red))
    }
}

@Suite struct ColorDegradationTests {
    @Test func rgbTo256To16To8() {
        #expect(Color.rgb(255, 0, 0).degraded(to: .truecolor) == .rgb(255, 0, 0))
        #expect(Color.rgb(255, 0, 0).degraded(to: .c256) == .indexed(196))
        #expect(Color.rgb(0, 0, 0).degraded(to: .c256) == .indexed(16))
        #expect(Color.rgb(128, 128, 128).degraded(to: .c256) == .indexed(244))
        #expect(Color.indexed(196).degraded(to: .ansi16) == .ansi(9))
        #expect(Color.indexed(244).degraded(to: .ansi16) == .ansi(8))
        #expect(Color.indexed(4).degraded(to: .ansi16) == .ansi(4))
        #expect(Color.rgb(255, 0, 0).degraded(to: .ansi16) == .ansi(9))
        #expect(Color.ansi(9).degraded(to: .ansi8) == .ansi(1))
        #expect(Color.ansi(8).degraded(to: .ansi8) == .ansi(7))
        #expect(Color.rgb(0, 200, 0).degraded(to: .ansi8) == .ansi(2))
        #expect(Color.ansi(3).degraded(to: .c256) == .ansi(3))
        #expect(Color.default.degraded(to: .mono) == .default)
        #expect(Color.red.degraded(to: .mono) == nil)
    }

    @Test func nearestColoursArePerceptual() {
        // Solarized red and orange stay apart in 256 colours.
        #expect(Color.rgb(0xdc, 0x32, 0x2f).degraded(to: .c256) == .indexed(124))
        #expect(Color.rgb(0xcb, 0x4b, 0x16).degraded(to: .c256) == .indexed(166))
        #expect(Color.rgb(0x26, 0x8b, 0xd2).degraded(to: .c256) == .indexed(32))
    }

    @Test func shippedThemesKeepOkWarningAlertApartInColour() throws {
        let loader = ThemeLoader(directories: [repoThemes])
        for name in loader.availableThemes() {
            for depth in [ColorDepth.ansi8, .ansi16, .c256, .truecolor] {
                let t = try loader.load(name).resolved(for: depth)
                let styles = [t[.ok], t[.warning], t[.alert]]
                #expect(Set(styles).count == 3, "\(name) at \(depth)")
            }
        }
    }

    @Test func monoKeepsAttributesOnly() {
        let s = Style(fg: .rgb(1, 2, 3), bg: .red, bold: true, underline: true)
        #expect(s.degraded(to: .mono) == Style(bold: true, underline: true))
        let theme = Theme(name: "c", styles: [.ok: Style(fg: .green), .alert: Style(fg: .red), .warning: Style(fg: .yellow),
                                               .selection: Style(bg: .blue)])
        #expect(theme.style(.ok, depth: .mono) == .plain)
        #expect(theme.style(.alert, depth: .mono) == Style(bold: true))
        #expect(theme.style(.nodeOffline, depth: .mono) == Style(bold: true))  // via alert
        #expect(theme.style(.warning, depth: .mono) == Style(underline: true))
        #expect(theme.style(.selection, depth: .mono) == Style(reverse: true))
        #expect(theme.style(.resourceFailed, depth: .mono) == Style(bold: true, reverse: true))
        // Colour depths keep the theme's own choice.
        #expect(theme.style(.alert, depth: .ansi16) == Style(fg: .red))
    }

    @Test func colorblindThemeKeepsStatesApartOn16Colours() throws {
        let theme = try ThemeLoader(directories: [repoThemes]).load("colorblind").resolved(for: .ansi16)
        let ok = theme[.ok].fg, warn = theme[.warning].fg, alert = theme[.alert].fg
        #expect(Set([ok, warn, alert]).count == 3)
        #expect(ok != .ansi(2) && ok != .ansi(10))  // good is never green
    }

    @Test func depthFromColourCount() {
        #expect(ColorDepth.from(colors: 0) == .mono)
        #expect(ColorDepth.from(colors: 8) == .ansi8)
        #expect(ColorDepth.from(colors: 16) == .ansi16)
        #expect(ColorDepth.from(colors: 256) == .c256)
        #expect(ColorDepth.from(colors: 1 << 24) == .truecolor)
    }
}

@Suite struct ThemeCyclingTests {
    @Test func nextThemeWrapsAround() {
        let loader = ThemeLoader(directories: [repoThemes])
        let all = loader.availableThemes()
        #expect(all.first == "default")
        #expect(loader.nextTheme(after: "default") == all[1])
        #expect(loader.nextTheme(after: all.last!) == "default")
        #expect(loader.nextTheme(after: "unknown") == "default")
        #expect(ThemeLoader(directories: []).nextTheme(after: "default") == "default")
    }

    @Test func builtinThemeIsMarked() throws {
        #expect(ThemeLoader.builtinTheme().isBuiltIn)
        #expect(ThemeLoader.builtinTheme()[.alert] == Style(fg: .red, bold: true))
        #expect(try !ThemeLoader(directories: [repoThemes]).load("default").isBuiltIn)
    }
}

/// Issue 15: lowering colours keeps what each role means.
@Suite struct ThemeLoweringTests {
    static let shipped = ["default", "default-256", "solarized-dark", "high-contrast", "monochrome", "colorblind"]

    func rgb(_ c: Color) -> (UInt8, UInt8, UInt8)? {
        switch c {
        case .default: nil
        case .ansi(let n): Palette.rgb(ofIndex: n & 15)
        case .indexed(let n): Palette.rgb(ofIndex: n)
        case .rgb(let r, let g, let b): (r, g, b)
        }
    }

    @Test(arguments: shipped)
    func rolesKeepTheirColourFamilyAt8And16And256Colours(_ name: String) throws {
        let theme = try ThemeLoader(directories: [repoThemes]).load(name)
        for role in Role.allCases {
            guard let fg = theme.style(role).fg, let full = rgb(fg) else { continue }
            let meaning = Palette.family(full)
            for depth in [ColorDepth.c256, .ansi16, .ansi8] {
                guard let lowered = theme.resolved(for: depth).style(role).fg, let c = rgb(lowered) else { continue }
                var family = Palette.family(c)
                // On 8 colours there is no gray: bright black becomes white, and white is white.
                if depth == .ansi8, [.gray, .white].contains(meaning), [.gray, .white].contains(family) { family = meaning }
                #expect(family == meaning, "\(name) \(role.rawValue) at \(depth): \(meaning) became \(family)")
            }
        }
    }

    @Test func goodStaysGreenOnEightColours() throws {
        let loader = ThemeLoader(directories: [repoThemes])
        for name in ["solarized-dark", "default-256"] {
            let eight = try loader.load(name).resolved(for: .ansi8)
            #expect(eight.style(.ok).fg == .ansi(2), "\(name): ok is green on 8 colours")
            #expect(eight.style(.nodeOnline).fg == .ansi(2), "\(name): online is green on 8 colours")
        }
    }
}
