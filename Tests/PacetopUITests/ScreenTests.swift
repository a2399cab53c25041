import Testing
import PacetopUI

/// A whole screen composed the way the app does it: themed, laid out, asserted as text.
@Suite struct ScreenTests {
    func screen(glyphs: GlyphSet, theme: Theme, width: Int = 44, height: Int = 9, confirm: Bool = false) -> Buffer {
        var b = Buffer(width: width, height: height)
        b.fill(b.area, style: theme[.uiText])
        let rows = Layout.split(b.area, .vertical, [.length(1), .fill(1), .length(1)])
        b.write(Line([Span("pacetop ", style: theme[.uiTitle]), Span("portsip-ha", style: theme[.uiText])]),
                in: rows[0])
        let inner = Block(title: "Resources", glyphs: glyphs, borderStyle: theme[.uiBorder],
                          titleStyle: theme[.uiTitle]).render(into: &b, area: rows[1])
        let table = Table(
            columns: [TableColumn("Resource", width: .length(10)), TableColumn("State", width: .length(9)),
                      TableColumn("Node", width: .fill(1))],
            rows: [
                TableRow([Line("pbx"), Line([Span(glyphs.check + " Started", style: theme[.resourceStarted])]),
                          Line("ip-172-31-16-133 " + glyphs.master)]),
                TableRow([Line("ebs"), Line([Span(glyphs.cross + " FAILED", style: theme[.resourceFailed])]),
                          Line("ip-172-31-16-134")]),
            ],
            headerStyle: theme[.uiHeader], highlightStyle: theme[.selection], ellipsis: glyphs.ellipsis)
        var state = TableState(selected: 1)
        table.render(into: &b, area: inner, state: &state)
        HintBar([KeyHint("q", "Quit"), KeyHint("r", "Restart"), KeyHint("?", "Help")],
                keyStyle: theme[.uiKey], labelStyle: theme[.uiFooter]).render(into: &b, area: rows[2])
        if confirm {
            Modal(title: "Restart pbx?", body: [Line("crm_resource --restart -r pbx", style: theme[.confirmCommand])],
                  buttons: ["Cancel", "Restart"], focusedButton: 0, glyphs: glyphs,
                  borderStyle: theme[.confirmBorder], textStyle: theme[.uiText], buttonStyle: theme[.button],
                  focusedButtonStyle: theme[.buttonFocused]).render(into: &b, area: b.area)
        }
        return b
    }

    @Test func unicodeScreen() throws {
        let theme = try ThemeLoader(directories: [repoThemes]).load("default")
        let b = screen(glyphs: .unicode, theme: theme)
        #expect(b.lines() == [
            "pacetop portsip-ha",
            "┌ Resources ───────────────────────────────┐",
            "│Resource   State     Node                 │",
            "│pbx        ✓ Started ip-172-31-16-133 ★   │",
            "│ebs        ✗ FAILED  ip-172-31-16-134     │",
            "│                                          │",
            "│                                          │",
            "└──────────────────────────────────────────┘",
            "q Quit  r Restart  ? Help",
        ])
        // The failed word is in the failure style, and its row is the reversed selection.
        let failed = b[x: 13, y: 4].style
        #expect(failed.fg == .ansi(9) && failed.bold && failed.reverse)
        #expect(b[x: 13, y: 3].style.fg == .green)
    }

    @Test func asciiMonoScreenWithConfirmation() throws {
        let theme = try ThemeLoader(directories: [repoThemes]).load("colorblind").resolved(for: .mono)
        let b = screen(glyphs: .ascii, theme: theme, confirm: true)
        #expect(b.lines() == [
            "pacetop portsip-ha",
            "+ Resources -------------------------------+",
            "|Reso+ Restart pbx? -----------------+     |",
            "|pbx | crm_resource --restart -r pbx | *   |",
            "|ebs |                               |     |",
            "|    |    > Cancel <  [ Restart ]    |     |",
            "|    +-------------------------------+     |",
            "+------------------------------------------+",
            "q Quit  r Restart  ? Help",
        ])
        // No colour anywhere; the focused button is reversed.
        #expect(b.cells.allSatisfy { $0.style.fg == nil || $0.style.fg == .default })
        #expect(b[x: 10, y: 5].grapheme == ">")
        #expect(b[x: 10, y: 5].style.reverse)
        #expect(!b[x: 22, y: 5].style.reverse)
    }

    @Test func tinyTerminalStillRenders() throws {
        let theme = ThemeLoader.builtinTheme()
        let b = screen(glyphs: .unicode, theme: theme, width: 12, height: 4, confirm: true)
        // The confirmation keeps its title and buttons; the body gives way.
        #expect(b.lines() == ["┌ Restart… ┐", "│ crm_reso │", "│ > Cance… │", "└─ ↓ more ─┘"])
    }
}
