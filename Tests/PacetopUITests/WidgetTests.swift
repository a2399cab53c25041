import Testing
@testable import PacetopUI

@Suite struct BlockTests {
    @Test func unicodeBorderWithTitle() {
        var b = Buffer(width: 10, height: 4)
        let inner = Block(title: "Nodes", glyphs: .unicode).render(into: &b, area: b.area)
        #expect(inner == Rect(x: 1, y: 1, width: 8, height: 2))
        #expect(b.lines() == [
            "┌ Nodes ─┐",
            "│        │",
            "│        │",
            "└────────┘",
        ])
    }

    @Test func asciiBorderWithTitle() {
        var b = Buffer(width: 10, height: 3)
        Block(title: "Nodes", glyphs: .ascii).render(into: &b, area: b.area)
        #expect(b.lines() == [
            "+ Nodes -+",
            "|        |",
            "+--------+",
        ])
    }

    @Test func longTitleIsCutWithAnEllipsis() {
        var b = Buffer(width: 8, height: 2)
        Block(title: "Resources", glyphs: .unicode).render(into: &b, area: b.area)
        #expect(b.lines() == ["┌ Res… ┐", "└──────┘"])
        var a = Buffer(width: 8, height: 2)
        Block(title: "Resources", glyphs: .ascii).render(into: &a, area: a.area)
        #expect(a.lines() == ["+ Res~ +", "+------+"])
    }

    @Test func stylesBorderAndTitle() {
        var b = Buffer(width: 10, height: 3)
        Block(title: "N", borderStyle: Style(fg: .blue), titleStyle: Style(bold: true)).render(into: &b, area: b.area)
        #expect(b[x: 0, y: 0].style == Style(fg: .blue))
        #expect(b[x: 2, y: 0].grapheme == "N")
        #expect(b[x: 2, y: 0].style == Style(bold: true))
    }

    @Test func titleIsNotLayeredOntoTheBorderStyle() {
        var b = Buffer(width: 12, height: 3)
        b.fill(b.area, style: Style(bg: .black))
        Block(title: "Nodes", borderStyle: Style(dim: true), titleStyle: Style(bold: true)).render(into: &b, area: b.area)
        #expect(b.lines()[0] == "┌ Nodes ───┐")
        #expect(b[x: 2, y: 0].style == Style(bg: .black, bold: true))
        #expect(b[x: 9, y: 0].style == Style(bg: .black, dim: true))
    }

    @Test func tooSmallDrawsNothing() {
        var b = Buffer(width: 1, height: 5)
        let inner = Block(title: "X").render(into: &b, area: b.area)
        #expect(inner.isEmpty)
        #expect(b.lines().allSatisfy { $0.isEmpty })
    }
}

@Suite struct TableTests {
    let rows = ["a", "b", "c", "d", "e"].map { TableRow([$0, "Started"]) }
    var columns: [TableColumn] { [TableColumn("Name", width: .length(6)), TableColumn("State", width: .fill(1))] }

    @Test func headerRowsAndSelectionScrolledIntoView() {
        var b = Buffer(width: 20, height: 4)
        var state = TableState(selected: 3)
        Table(columns: columns, rows: rows, highlightSymbol: "> ").render(into: &b, area: b.area, state: &state)
        #expect(state.offset == 1)
        #expect(b.lines() == [
            "  Name   State",
            "  b      Started",
            "  c      Started",
            "> d      Started",
        ])
        #expect(b[x: 5, y: 3].style.reverse)
        #expect(!b[x: 5, y: 2].style.reverse)
        #expect(b[x: 2, y: 0].style.bold)
    }

    @Test func scrollingKeepsTheOffsetUntilTheSelectionLeavesTheView() {
        var state = TableState(selected: 4, offset: 0)
        var b = Buffer(width: 20, height: 4)
        let t = Table(columns: columns, rows: rows)
        t.render(into: &b, area: b.area, state: &state)
        #expect(state.offset == 2)
        // Moving up inside the view does not scroll.
        state.selected = 3
        t.render(into: &b, area: b.area, state: &state)
        #expect(state.offset == 2)
        // Moving above the view scrolls just enough.
        state.selected = 0
        t.render(into: &b, area: b.area, state: &state)
        #expect(state.offset == 0)
        #expect(b.lines()[1] == "a      Started")
    }

    @Test func offsetIsClampedWhenTheListShrinks() {
        #expect(TableState.scrolledOffset(selected: 1, offset: 8, visibleRows: 3, count: 4) == 1)
        #expect(TableState.scrolledOffset(selected: nil, offset: 8, visibleRows: 3, count: 4) == 1)
        #expect(TableState.scrolledOffset(selected: 9, offset: 0, visibleRows: 3, count: 4) == 1)
        #expect(TableState.scrolledOffset(selected: 0, offset: 0, visibleRows: 0, count: 4) == 0)
        var state = TableState(selected: 7, offset: 5)
        var b = Buffer(width: 10, height: 3)
        Table(columns: columns, rows: []).render(into: &b, area: b.area, state: &state)
        #expect(state.selected == nil)
        #expect(state.offset == 0)
    }

    @Test func cellsAreCutWithEllipsisAndRightAligned() {
        var b = Buffer(width: 16, height: 2)
        var state = TableState()
        let t = Table(columns: [TableColumn("Node", width: .length(8)), TableColumn("Fails", width: .fill(1), alignment: .right)],
                      rows: [TableRow(["ip-172-31-16-133", "3"])])
        t.render(into: &b, area: b.area, state: &state)
        #expect(b.lines() == [
            "Node       Fails",
            "ip-172-…       3",
        ])
    }

    @Test func spanStylesInsideCellsAreKept() {
        var b = Buffer(width: 20, height: 1)
        var state = TableState(selected: 0)
        let row = TableRow([Line("pbx"), Line([Span("FAILED", style: Style(fg: .red))])], style: Style(underline: true))
        Table(columns: columns, rows: [row], showHeader: false).render(into: &b, area: b.area, state: &state)
        #expect(b.lines() == ["pbx    FAILED"])
        #expect(b[x: 7, y: 0].style == Style(fg: .red, underline: true, reverse: true))
    }

    @Test func listSelects() {
        var b = Buffer(width: 8, height: 2)
        var state = TableState(selected: 2)
        List(items: ["one", "two", "three"], highlightSymbol: "*").render(into: &b, area: b.area, state: &state)
        #expect(b.lines() == [" two", "*three"])
        #expect(state.offset == 1)
    }
}

@Suite struct ParagraphTests {
    @Test func wordWrap() {
        var b = Buffer(width: 10, height: 4)
        let used = Paragraph(text: "the quick brown fox jumps").render(into: &b, area: b.area)
        #expect(used == 3)
        #expect(b.lines() == ["the quick", "brown fox", "jumps", ""])
    }

    @Test func longWordsAreSplitAndNewlinesKept() {
        let p = Paragraph(text: "abcdefghijkl\n\n  indented")
        #expect(p.wrappedLines(width: 5).map(\.plainText) == ["abcde", "fghij", "kl", "", "  ind", "ented"])
    }

    @Test func wrappingKeepsSpanStyles() {
        let blue = Style(fg: .blue)
        let lines = Paragraph.wrap(Line([Span("red ", style: Style(fg: .red)), Span("blue", style: blue)]), width: 3)
        #expect(lines.map(\.plainText) == ["red", "blu", "e"])
        #expect(lines[1].spans == [Span("blu", style: blue)])
    }

    @Test func scrollAndClipToArea() {
        var b = Buffer(width: 6, height: 2)
        Paragraph(text: "one two three four", scroll: 1).render(into: &b, area: b.area)
        #expect(b.lines() == ["two", "three"])
    }

    @Test func wideCharactersWrapByColumns() {
        #expect(Paragraph.wrap(Line("日本語テキスト"), width: 5).map(\.plainText) == ["日本", "語テ", "キス", "ト"])
    }
}

@Suite struct ModalTests {
    let modal = Modal(title: "Restart pbx?",
                      body: [Line("Run on ip-172-31-16-133:"), Line("crm_resource --restart -r pbx")],
                      buttons: ["Cancel", "Restart"], focusedButton: 0)

    @Test func centredConfirmationWithFocusedCancel() {
        var b = Buffer(width: 40, height: 10)
        b.fill(b.area, with: ".")
        let box = modal.render(into: &b, area: b.area)
        #expect(box == Rect(x: 3, y: 2, width: 33, height: 6))
        #expect(b.lines() == [
            "........................................",
            "........................................",
            "...┌ Restart pbx? ─────────────────┐....",
            "...│ Run on ip-172-31-16-133:      │....",
            "...│ crm_resource --restart -r pbx │....",
            "...│                               │....",
            "...│    > Cancel <  [ Restart ]    │....",
            "...└───────────────────────────────┘....",
            "........................................",
            "........................................",
        ])
        // The focused button carries the focused style.
        #expect(b[x: 9, y: 6].style.reverse)
        #expect(!b[x: 22, y: 6].style.reverse)
    }

    @Test func focusMovesToTheOtherButton() {
        var m = modal
        m.focusedButton = 1
        m.glyphs = .ascii
        var b = Buffer(width: 33, height: 6)
        m.render(into: &b, area: b.area)
        #expect(b.lines() == [
            "+ Restart pbx? -----------------+",
            "| Run on ip-172-31-16-133:      |",
            "| crm_resource --restart -r pbx |",
            "|                               |",
            "|    [ Cancel ]  > Restart <    |",
            "+-------------------------------+",
        ])
    }

    @Test func narrowTerminalWrapsTheBodyAndKeepsTheButtons() {
        var b = Buffer(width: 20, height: 12)
        let box = modal.render(into: &b, area: b.area)
        #expect(box.width == 20)
        let lines = b.lines()
        #expect(lines.contains { $0.contains("> Cancel <") })
        #expect(lines.contains { $0.contains("--restart -r pbx") })
    }

    @Test func tinyAreaDoesNotTrap() {
        var b = Buffer(width: 3, height: 2)
        modal.render(into: &b, area: b.area)
        #expect(b.lines().count == 2)
    }
}

@Suite struct HintBarTests {
    let bar = HintBar([KeyHint("q", "Quit"), KeyHint("r", "Restart"), KeyHint("?", "Help")],
                      keyStyle: Style(fg: .cyan, bold: true))

    @Test func showsWholeHintsThatFit() {
        var b = Buffer(width: 30, height: 1)
        #expect(bar.render(into: &b, area: b.area) == 3)
        #expect(b.lines() == ["q Quit  r Restart  ? Help"])
        #expect(b[x: 8, y: 0].style == Style(fg: .cyan, bold: true))
        #expect(b[x: 10, y: 0].style == .plain)

        var narrow = Buffer(width: 20, height: 1)
        #expect(bar.render(into: &narrow, area: narrow.area) == 2)
        #expect(narrow.lines() == ["q Quit  r Restart"])
    }
}

@Suite struct ScrollbarTests {
    @Test func thumbFollowsTheOffset() {
        #expect(Scrollbar(total: 100, visible: 10, offset: 0).thumb(height: 10) == 0..<1)
        #expect(Scrollbar(total: 100, visible: 10, offset: 90).thumb(height: 10) == 9..<10)
        #expect(Scrollbar(total: 20, visible: 10, offset: 5).thumb(height: 10) == 2..<7)
        #expect(Scrollbar(total: 10, visible: 10, offset: 0).thumb(height: 10) == nil)  // all fits
        #expect(Scrollbar(total: 50, visible: 10, offset: 0).thumb(height: 0) == nil)
    }

    @Test func drawsTrackAndThumb() {
        var b = Buffer(width: 2, height: 4)
        Scrollbar(total: 8, visible: 4, offset: 4, glyphs: .ascii).render(into: &b, area: Rect(x: 1, y: 0, width: 1, height: 4))
        #expect(b.lines() == [" |", " |", " #", " #"])
        var u = Buffer(width: 1, height: 3)
        Scrollbar(total: 6, visible: 3, offset: 0).render(into: &u, area: u.area)
        #expect(u.lines() == ["█", "│", "│"])
    }
}

/// `Table.plainLines` (how `--once` prints tables) gives what `render` draws into a buffer and
/// `Buffer.lines` reads back, for every kind of cell: fitting ASCII (laid out as bytes), and
/// what is not (wide or non-ASCII graphemes, cells cut at the tail or the head, alignments).
@Suite struct PlainLinesTests {
    static let columns = [
        TableColumn("NAME", width: .length(10), truncation: .head),
        TableColumn("ROLE", width: .min(7)),
        TableColumn("COUNT", width: .length(6), alignment: .right),
        TableColumn("MID", width: .length(7), alignment: .center),
        TableColumn("NOTE", width: .fill(1)),
    ]
    static let rows: [TableRow] = [
        TableRow(["eip", "Started", "1", "x", "fine"]),
        TableRow(["ip-172-31-16-133", "Started", "300", "ab", "a name cut at its head"]),
        TableRow(["pbx", "Started", "", "", "★ master"]),
        TableRow(["节点一", "Stopped", "12345678", "wide", "名前がとても長いリソース"]),
        TableRow([Line([Span("two", style: Style(bold: true)), Span(" spans")]), Line("a"), Line(""), Line("é"), Line("tab\there")]),
        TableRow(["", "", "", "", ""]),
        TableRow(["trailing  ", "Promoted", "7", "c", "spaces at the end   "]),
    ]

    static func drawn(_ table: Table, width: Int, indent: Int) -> [String] {
        var b = Buffer(width: width, height: table.rows.count + (table.showHeader ? 1 : 0))
        var state = TableState()
        table.render(into: &b, area: Rect(x: indent, y: 0, width: width - indent, height: b.height), state: &state)
        return b.lines()
    }

    @Test(arguments: [3, 12, 20, 33, 47, 61, 80, 120])
    func sameAsTheBufferAtEveryWidth(width: Int) {
        for showHeader in [true, false] {
            for ellipsis in ["…", "~"] {
                let table = Table(columns: Self.columns, rows: Self.rows, showHeader: showHeader, ellipsis: ellipsis)
                #expect(table.plainLines(width: width, indent: 2) == Self.drawn(table, width: width, indent: 2),
                        "width \(width), header \(showHeader), ellipsis \(ellipsis)")
            }
        }
    }

    @Test func aSelectionMarkKeepsItsSpace() {
        let table = Table(columns: Self.columns, rows: Self.rows, highlightSymbol: "▶ ")
        #expect(table.plainLines(width: 70, indent: 0) == Self.drawn(table, width: 70, indent: 0))
    }
}
