import Testing
@testable import PacetopUI

@Suite struct DisplayWidthTests {
    @Test func widths() {
        #expect(DisplayWidth.of("a" as Character) == 1)
        #expect(DisplayWidth.of("日" as Character) == 2)
        #expect(DisplayWidth.of("😀" as Character) == 2)
        #expect(DisplayWidth.of("❤️" as Character) == 2)  // U+2764 + VS16
        #expect(DisplayWidth.of("★" as Character) == 1)
        #expect(DisplayWidth.of("e\u{301}" as Character) == 1)  // combining acute
        #expect(DisplayWidth.of("\u{301}" as Unicode.Scalar) == 0)
        #expect(DisplayWidth.of("\u{7}" as Character) == 0)
        #expect(DisplayWidth.of("Cafe\u{301} 日本") == 9)
    }
}

@Suite struct BufferTests {
    @Test func writeClipsAtTheRightEdge() {
        var b = Buffer(width: 10, height: 2)
        #expect(b.write("hello world", x: 0, y: 0) == 10)
        #expect(b.write("abc", x: 8, y: 1) == 2)
        #expect(b.lines() == ["hello worl", "        ab"])
    }

    @Test func ellipsisUnicodeAndASCII() {
        var b = Buffer(width: 10, height: 3)
        #expect(b.write("hello world", x: 0, y: 0, maxWidth: 8, ellipsis: "…") == 8)
        b.write("hello world", x: 0, y: 1, maxWidth: 8, ellipsis: "~")
        // Text that fits gets no ellipsis.
        b.write("hello", x: 0, y: 2, maxWidth: 5, ellipsis: "…")
        #expect(b.lines() == ["hello w…", "hello w~", "hello"])
    }

    @Test func wideCharactersTakeTwoCells() {
        var b = Buffer(width: 5, height: 1)
        // 日本語 is 6 columns: the third character does not fit and becomes a space.
        #expect(b.write("日本語", x: 0, y: 0) == 5)
        #expect(b.lines() == ["日本"])
        #expect(b[x: 0, y: 0].grapheme == "日")
        #expect(b[x: 1, y: 0].isContinuation)
        #expect(b[x: 2, y: 0].grapheme == "本")
        #expect(b[x: 4, y: 0] == Cell(" "))
    }

    @Test func wideCharacterWithEllipsis() {
        var b = Buffer(width: 6, height: 1)
        b.write("日本語です", x: 0, y: 0, ellipsis: "…")
        #expect(b.lines() == ["日本…"])
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var b = Buffer(width: 4, height: 1)
        b.write("日本", x: 0, y: 0)
        b.write("x", x: 1, y: 0)
        #expect(b.lines() == [" x本"])
        #expect(!b[x: 1, y: 0].isContinuation)
        b.write("y", x: 2, y: 0)
        #expect(b.lines() == [" xy"])
        #expect(!b[x: 3, y: 0].isContinuation)
    }

    @Test func combiningMarksStayWithTheirBase() {
        var b = Buffer(width: 6, height: 1)
        #expect(b.write("Cafe\u{301}!", x: 0, y: 0) == 5)
        #expect(b.lines() == ["Cafe\u{301}!"])
    }

    @Test func controlCharactersAreDroppedAndTabIsASpace() {
        var b = Buffer(width: 8, height: 1)
        b.write("a\tb\u{1b}c\n", x: 0, y: 0)
        #expect(b.lines() == ["a bc"])
    }

    @Test func tinyAndEmptyBuffersNeverTrap() {
        var empty = Buffer(width: 0, height: 0)
        #expect(empty.write("hello", x: 0, y: 0) == 0)
        empty.fill(Rect(x: -5, y: -5, width: 50, height: 50), with: "x")
        empty.setStyle(Rect(x: 0, y: 0, width: 3, height: 3), Style(bold: true))
        #expect(empty.lines() == [])
        #expect(empty.changes(from: Buffer(width: 3, height: 3)).isEmpty)

        var one = Buffer(width: 1, height: 1)
        #expect(one.write("日", x: 0, y: 0) == 1)  // does not fit: a space instead
        #expect(one.lines() == [""])
        #expect(one.write("ab", x: 0, y: 0, ellipsis: "…") == 1)
        #expect(one.lines() == ["…"])
        #expect(one.write("x", x: 3, y: 0) == 0)
        #expect(one.write("x", x: 0, y: -1) == 0)
        #expect(Buffer(width: -3, height: 2).area == Rect(x: 0, y: 0, width: 0, height: 2))
    }

    @Test func negativeXClipsTheLeftPart() {
        var b = Buffer(width: 5, height: 1)
        b.write("abcd", x: -2, y: 0)
        #expect(b.lines() == ["cd"])
    }

    @Test func spansKeepTheirStyles() {
        var b = Buffer(width: 10, height: 1)
        let red = Style(fg: .red)
        b.write(Line([Span("ok ", style: Style(fg: .green)), Span("FAIL", style: red)]), x: 0, y: 0)
        #expect(b.lines() == ["ok FAIL"])
        #expect(b[x: 0, y: 0].style.fg == .green)
        #expect(b[x: 3, y: 0].style == red)
    }

    @Test func fillAndSetStyle() {
        var b = Buffer(width: 4, height: 2)
        b.fill(Rect(x: 1, y: 0, width: 2, height: 5), with: "#", style: Style(fg: .blue))
        b.setStyle(Rect(x: 0, y: 1, width: 4, height: 1), Style(bold: true))
        #expect(b.lines() == [" ##", " ##"])
        #expect(b[x: 1, y: 1].style == Style(fg: .blue, bold: true))
        #expect(b[x: 0, y: 1].style == Style(bold: true))
        b.setStyle(Rect(x: 0, y: 1, width: 4, height: 1), Style(fg: .red), patch: false)
        #expect(b[x: 1, y: 1].style == Style(fg: .red))
    }

    @Test func writeLayersOntoTheBackgroundAndFillReplaces() {
        var b = Buffer(width: 6, height: 1)
        b.fill(b.area, style: Style(fg: .white, bg: .blue))
        b.write("ab", x: 0, y: 0, style: Style(fg: .red))
        b.write("日", x: 2, y: 0)
        #expect(b[x: 0, y: 0].style == Style(fg: .red, bg: .blue))
        #expect(b[x: 2, y: 0].style == Style(fg: .white, bg: .blue))
        #expect(b[x: 3, y: 0].style == Style(fg: .white, bg: .blue))  // the continuation too
        b.fill(Rect(x: 0, y: 0, width: 1, height: 1), style: Style(bold: true))
        #expect(b[x: 0, y: 0].style == Style(bold: true))
    }

    @Test func linesTrimTrailingSpacesOnly() {
        var b = Buffer(width: 8, height: 2)
        b.write("  a b", x: 0, y: 0)
        #expect(b.lines() == ["  a b", ""])
    }

    @Test func changesListOnlyDifferingCells() {
        var a = Buffer(width: 4, height: 2)
        a.write("abcd", x: 0, y: 0)
        var b = a
        #expect(b.changes(from: a).isEmpty)
        b.write("X", x: 2, y: 1)
        #expect(b.changes(from: a) == [CellChange(x: 2, y: 1, cell: Cell("X"))])
        var c = b
        c.setStyle(Rect(x: 0, y: 0, width: 1, height: 1), Style(bold: true))
        #expect(c.changes(from: b).map { [$0.x, $0.y] } == [[0, 0]])
        // Another size: every cell is a change.
        #expect(Buffer(width: 3, height: 1).changes(from: a).count == 3)
    }
}

@Suite struct StyleTests {
    @Test func patchedLayersColoursAndAddsAttributes() {
        let base = Style(fg: .red, bg: .blue, bold: true)
        let top = Style(fg: .green, underline: true)
        let s = base.patched(with: top)
        #expect(s.fg == .green)
        #expect(s.bg == .blue)
        #expect(s.bold && s.underline)
        #expect(Style.plain.patched(with: .plain) == .plain)
    }

    @Test func rectGeometry() {
        let r = Rect(x: 2, y: 3, width: 10, height: 4)
        #expect(r.inset(by: 1) == Rect(x: 3, y: 4, width: 8, height: 2))
        #expect(r.inset(by: 5).isEmpty)
        #expect(r.centered(width: 4, height: 2) == Rect(x: 5, y: 4, width: 4, height: 2))
        #expect(r.centered(width: 40, height: 40) == r)
        #expect(r.intersection(Rect(x: 0, y: 0, width: 5, height: 5)) == Rect(x: 2, y: 3, width: 3, height: 2))
        #expect(r.intersection(Rect(x: 50, y: 50, width: 5, height: 5)).isEmpty)
    }
}

@Suite struct LayoutTests {
    @Test func headerBodyFooter() {
        let parts = Layout.split(Rect(x: 0, y: 0, width: 80, height: 24), .vertical,
                                 [.length(1), .fill(1), .length(1)])
        #expect(parts == [Rect(x: 0, y: 0, width: 80, height: 1), Rect(x: 0, y: 1, width: 80, height: 22),
                          Rect(x: 0, y: 23, width: 80, height: 1)])
    }

    @Test func percentagesMinsAndWeights() {
        #expect(Layout.solve(total: 100, [.percentage(30), .fill(1)]) == [30, 70])
        #expect(Layout.solve(total: 20, [.min(5), .length(3)]) == [17, 3])
        #expect(Layout.solve(total: 8, [.fill(1), .fill(3)]) == [2, 6])
        #expect(Layout.solve(total: 10, [.length(2), .length(2)]) == [2, 2])
    }

    @Test func tooSmallShrinksFromTheEnd() {
        #expect(Layout.solve(total: 7, [.length(5), .length(5)]) == [5, 2])
        #expect(Layout.solve(total: 3, [.length(5), .min(2), .fill(1)]) == [3, 0, 0])
        let parts = Layout.split(.zero, .horizontal, [.length(3), .fill(1)])
        #expect(parts.count == 2)
        #expect(parts.allSatisfy { $0.isEmpty })
    }

    @Test func spacing() {
        let parts = Layout.split(Rect(x: 0, y: 0, width: 10, height: 1), .horizontal, [.fill(1), .fill(1)], spacing: 1)
        #expect(parts == [Rect(x: 0, y: 0, width: 4, height: 1), Rect(x: 5, y: 0, width: 5, height: 1)])
    }
}
