public enum Alignment: Sendable {
    case left, center, right

    /// Where text `textWidth` wide starts in a space `width` wide (0 when it does not fit).
    func offset(_ textWidth: Int, in width: Int) -> Int {
        guard textWidth < width else { return 0 }
        switch self {
        case .left: return 0
        case .center: return (width - textWidth) / 2
        case .right: return width - textWidth
        }
    }
}

extension Buffer {
    /// Writes `line` in `rect`'s first row with the given alignment, cut with `ellipsis` when
    /// too long. Returns the columns written.
    @discardableResult
    public mutating func write(_ line: Line, in rect: Rect, alignment: Alignment = .left,
                               ellipsis: String? = nil) -> Int {
        guard !rect.isEmpty else { return 0 }
        let w = line.width
        let x = rect.x + alignment.offset(w, in: rect.width)
        // Text known to fit needs no ellipsis, and `write` then need not measure it again.
        let fits = w <= min(rect.right, width) - x
        return write(line, x: x, y: rect.y, maxWidth: rect.right - x, ellipsis: fits ? nil : ellipsis)
    }
}

// MARK: - Block

/// A border with an optional title. Returns the inner area from `render`.
public struct Block: Sendable {
    public var title: Line?
    public var glyphs: GlyphSet
    public var borderStyle: Style
    public var titleStyle: Style

    public init(title: String? = nil, glyphs: GlyphSet = .unicode, borderStyle: Style = .plain,
                titleStyle: Style = .plain) {
        self.title = title.map { Line($0) }
        self.glyphs = glyphs
        self.borderStyle = borderStyle
        self.titleStyle = titleStyle
    }

    public init(titleLine: Line, glyphs: GlyphSet = .unicode, borderStyle: Style = .plain) {
        self.title = titleLine
        self.glyphs = glyphs
        self.borderStyle = borderStyle
        self.titleStyle = .plain
    }

    /// The area inside the border.
    public func inner(_ area: Rect) -> Rect { area.inset(by: 1) }

    @discardableResult
    public func render(into buffer: inout Buffer, area: Rect) -> Rect {
        guard area.width >= 2, area.height >= 2 else { return inner(area) }
        let g = glyphs, s = borderStyle
        // " Title " first, so it is not layered onto the border's style; the top edge fills
        // the rest.
        var titleWidth = 0
        if let title, area.width >= 5 {
            var spans = [Span(" ", style: s)]
            spans += title.spans.map { Span($0.text, style: titleStyle.patched(with: $0.style)) }
            spans.append(Span(" ", style: s))
            titleWidth = buffer.write(Line(spans), x: area.x + 1, y: area.y, maxWidth: area.width - 2,
                                      ellipsis: g.ellipsis + " ")
        }
        let top = String(repeating: g.horizontal, count: area.width - 2 - titleWidth)
        buffer.write(g.topLeft, x: area.x, y: area.y, maxWidth: 1, style: s)
        buffer.write(top + g.topRight, x: area.x + 1 + titleWidth, y: area.y,
                     maxWidth: area.width - 1 - titleWidth, style: s)
        let h = String(repeating: g.horizontal, count: area.width - 2)
        buffer.write(g.bottomLeft + h + g.bottomRight, x: area.x, y: area.bottom - 1,
                     maxWidth: area.width, style: s)
        for y in (area.y + 1)..<(area.bottom - 1) {
            buffer.write(g.vertical, x: area.x, y: y, maxWidth: 1, style: s)
            buffer.write(g.vertical, x: area.right - 1, y: y, maxWidth: 1, style: s)
        }
        return inner(area)
    }
}

// MARK: - Table and List

public struct TableColumn: Sendable {
    /// Which end of a cell gives way when it is too wide.
    public enum Truncation: Sendable {
        /// `rsc_SAPHana_…`: for text whose start says the most.
        case tail
        /// `…16-133`: for names, which share their start (`ip-172-31-16-`) and differ at the end.
        case head
    }

    public var title: String
    public var width: Constraint
    public var alignment: Alignment
    public var truncation: Truncation

    public init(_ title: String, width: Constraint, alignment: Alignment = .left, truncation: Truncation = .tail) {
        self.title = title
        self.width = width
        self.alignment = alignment
        self.truncation = truncation
    }
}

extension Line {
    /// The line cut to `width` columns from the front: leading spaces (indentation) stay, then
    /// `ellipsis`, then as much of the end as fits. Unchanged when it fits.
    public func keepingEnd(width: Int, ellipsis: String) -> Line {
        guard self.width > width else { return self }
        var graphemes: [(Character, Style)] = spans.flatMap { s in s.text.map { ($0, s.style) } }
        var indent: [(Character, Style)] = []
        while let first = graphemes.first, first.0 == " ", indent.count + 1 < width {
            indent.append(graphemes.removeFirst())
        }
        let budget = width - indent.count - DisplayWidth.of(ellipsis)
        guard budget > 0 else { return self }
        var tail: [(Character, Style)] = []
        var used = 0
        for g in graphemes.reversed() {
            let w = DisplayWidth.of(g.0)
            if used + w > budget { break }
            tail.insert(g, at: 0)
            used += w
        }
        var out: [Span] = []
        func add(_ c: Character, _ style: Style) {
            if let last = out.last, last.style == style { out[out.count - 1].text.append(c) }
            else { out.append(Span(String(c), style: style)) }
        }
        for g in indent { add(g.0, g.1) }
        for c in ellipsis { add(c, tail.first?.1 ?? .plain) }
        for g in tail { add(g.0, g.1) }
        return Line(out)
    }
}

public struct TableRow: Sendable {
    public var cells: [Line]
    /// Layered under each cell's own span styles.
    public var style: Style

    public init(_ cells: [Line], style: Style = .plain) {
        self.cells = cells
        self.style = style
    }

    public init(_ texts: [String], style: Style = .plain) {
        self.init(texts.map { Line($0) }, style: style)
    }
}

/// The selection and scroll position of a Table or List. Keep it in the app state so the
/// scroll position is stable between frames; `render` updates `offset`.
public struct TableState: Hashable, Sendable {
    public var selected: Int?
    public var offset: Int

    public init(selected: Int? = nil, offset: Int = 0) {
        self.selected = selected
        self.offset = offset
    }

    /// The first visible row so that `selected` is visible with `visibleRows` rows shown and
    /// no empty space is left below the last of `count` rows. Scrolls as little as possible.
    public static func scrolledOffset(selected: Int?, offset: Int, visibleRows: Int, count: Int) -> Int {
        guard visibleRows > 0, count > 0 else { return 0 }
        var o = max(0, offset)
        if let sel = selected.map({ min(max(0, $0), count - 1) }) {
            if sel < o { o = sel }
            if sel >= o + visibleRows { o = sel - visibleRows + 1 }
        }
        return min(o, max(0, count - visibleRows))
    }
}

/// Rows in columns with an optional header; the selected row is highlighted and kept visible.
public struct Table: Sendable {
    public var columns: [TableColumn]
    public var rows: [TableRow]
    public var showHeader: Bool
    public var headerStyle: Style
    public var highlightStyle: Style
    /// Drawn left of the selected row (e.g. "▶ "); its width is reserved on every row.
    public var highlightSymbol: String?
    public var columnSpacing: Int
    public var ellipsis: String

    public init(columns: [TableColumn], rows: [TableRow], showHeader: Bool = true,
                headerStyle: Style = Style(bold: true), highlightStyle: Style = Style(reverse: true),
                highlightSymbol: String? = nil, columnSpacing: Int = 1, ellipsis: String = "…") {
        self.columns = columns
        self.rows = rows
        self.showHeader = showHeader
        self.headerStyle = headerStyle
        self.highlightStyle = highlightStyle
        self.highlightSymbol = highlightSymbol
        self.columnSpacing = columnSpacing
        self.ellipsis = ellipsis
    }

    /// Rows that fit in `area` below the header.
    public func visibleRows(in area: Rect) -> Int {
        max(0, area.height - (showHeader ? 1 : 0))
    }

    /// Where each column is drawn in `area`, right of the selection mark's space.
    public func columnRects(in area: Rect) -> [Rect] {
        let symbolWidth = highlightSymbol.map { DisplayWidth.of($0) } ?? 0
        let body = Rect(x: area.x + symbolWidth, y: area.y, width: area.width - symbolWidth, height: area.height)
        return Layout.split(body, .horizontal, columns.map(\.width), spacing: columnSpacing)
    }

    public func render(into buffer: inout Buffer, area: Rect, state: inout TableState) {
        guard !area.isEmpty else { return }
        let symbolWidth = highlightSymbol.map { DisplayWidth.of($0) } ?? 0
        let cols = columnRects(in: area)
        var y = area.y
        if showHeader {
            buffer.setStyle(area.row(0), headerStyle)
            for (i, col) in columns.enumerated() where i < cols.count {
                buffer.write(Line(col.title, style: headerStyle), in: cols[i].row(0),
                             alignment: col.alignment, ellipsis: ellipsis)
            }
            y += 1
        }
        let visible = visibleRows(in: area)
        if let sel = state.selected { state.selected = rows.isEmpty ? nil : min(max(0, sel), rows.count - 1) }
        state.offset = TableState.scrolledOffset(selected: state.selected, offset: state.offset,
                                                 visibleRows: visible, count: rows.count)
        guard visible > 0 else { return }
        for index in state.offset..<min(rows.count, state.offset + visible) {
            let row = rows[index]
            let rowRect = Rect(x: area.x, y: y, width: area.width, height: 1)
            let selected = index == state.selected
            buffer.setStyle(rowRect, row.style)
            if selected, let sym = highlightSymbol {
                buffer.write(sym, x: area.x, y: y, maxWidth: symbolWidth, style: row.style)
            }
            for (i, cell) in row.cells.enumerated() where i < cols.count {
                // Layered on the plain style a span keeps its own: no copy of the cell then.
                var styled = row.style == .plain ? cell
                    : Line(cell.spans.map { Span($0.text, style: row.style.patched(with: $0.style)) })
                if i < columns.count, columns[i].truncation == .head {
                    styled = styled.keepingEnd(width: cols[i].width, ellipsis: ellipsis)
                }
                let colRect = Rect(x: cols[i].x, y: y, width: cols[i].width, height: 1)
                buffer.write(styled, in: colRect, alignment: i < columns.count ? columns[i].alignment : .left,
                             ellipsis: ellipsis)
            }
            if selected { buffer.setStyle(rowRect, highlightStyle) }
            y += 1
        }
    }
}

extension Table {
    /// The header and every row as text without styles, `width` wide and `indent` in, with
    /// trailing blanks dropped: exactly what `render` draws and `Buffer.lines` reads back.
    /// Rows whose cells are printable ASCII and fit their columns (nearly every row of a big
    /// cluster) are laid out as bytes; any other row is drawn through a one-row buffer.
    public func plainLines(width: Int, indent: Int) -> [String] {
        let area = Rect(x: indent, y: 0, width: max(0, width - indent), height: 1)
        guard !area.isEmpty else { return Array(repeating: "", count: rows.count + (showHeader ? 1 : 0)) }
        let cols = columnRects(in: area)
        var out: [String] = []
        out.reserveCapacity(rows.count + 1)
        var line = [UInt8](repeating: 0x20, count: width)
        func fast(_ cells: [Line]) -> String? {
            for i in line.indices { line[i] = 0x20 }
            for (i, cell) in cells.enumerated() where i < cols.count {
                let text = cell.spans.count == 1 ? cell.spans[0].text : cell.plainText
                guard DisplayWidth.isPrintableASCII(text) else { return nil }
                let w = text.utf8.count, col = cols[i]
                guard w <= col.width, col.x >= 0, col.x + col.width <= line.count else { return nil }
                var x = col.x + (i < columns.count ? columns[i].alignment : .left).offset(w, in: col.width)
                for b in text.utf8 { line[x] = b; x += 1 }
            }
            var end = line.count
            while end > 0, line[end - 1] == 0x20 { end -= 1 }
            return String(decoding: line[..<end], as: UTF8.self)
        }
        func drawn(_ row: TableRow?) -> String {
            var one = self
            one.rows = row.map { [$0] } ?? []
            one.showHeader = row == nil
            var buf = Buffer(width: width, height: 1)
            var state = TableState()
            one.render(into: &buf, area: area, state: &state)
            return buf.lines()[0]
        }
        if showHeader { out.append(fast(columns.map { Line($0.title) }) ?? drawn(nil)) }
        for row in rows { out.append(fast(row.cells) ?? drawn(row)) }
        return out
    }
}

/// A single-column selectable list.
public struct List: Sendable {
    public var items: [Line]
    public var highlightStyle: Style
    public var highlightSymbol: String?
    public var ellipsis: String

    public init(items: [Line], highlightStyle: Style = Style(reverse: true),
                highlightSymbol: String? = nil, ellipsis: String = "…") {
        self.items = items
        self.highlightStyle = highlightStyle
        self.highlightSymbol = highlightSymbol
        self.ellipsis = ellipsis
    }

    public func render(into buffer: inout Buffer, area: Rect, state: inout TableState) {
        let table = Table(columns: [TableColumn("", width: .fill(1))],
                          rows: items.map { TableRow([$0]) }, showHeader: false,
                          highlightStyle: highlightStyle, highlightSymbol: highlightSymbol,
                          ellipsis: ellipsis)
        table.render(into: &buffer, area: area, state: &state)
    }
}

// MARK: - Paragraph

/// Styled text, word-wrapped to the area's width.
public struct Paragraph: Sendable {
    public var lines: [Line]
    public var style: Style
    public var wrap: Bool
    /// Wrapped lines skipped at the top.
    public var scroll: Int
    public var alignment: Alignment

    public init(_ lines: [Line], style: Style = .plain, wrap: Bool = true, scroll: Int = 0,
                alignment: Alignment = .left) {
        self.lines = lines
        self.style = style
        self.wrap = wrap
        self.scroll = scroll
        self.alignment = alignment
    }

    /// Plain text; each "\n" starts a new line.
    public init(text: String, style: Style = .plain, wrap: Bool = true, scroll: Int = 0,
                alignment: Alignment = .left) {
        self.init(text.split(separator: "\n", omittingEmptySubsequences: false).map { Line(String($0)) },
                  style: style, wrap: wrap, scroll: scroll, alignment: alignment)
    }

    /// Lines after wrapping to `width`.
    public func wrappedLines(width: Int) -> [Line] {
        wrap ? lines.flatMap { Paragraph.wrap($0, width: width) } : lines
    }

    /// Renders and returns the number of rows used.
    @discardableResult
    public func render(into buffer: inout Buffer, area: Rect) -> Int {
        guard !area.isEmpty else { return 0 }
        let all = wrappedLines(width: area.width)
        let shown = all.dropFirst(max(0, scroll)).prefix(area.height)
        var y = area.y
        for line in shown {
            let styled = Line(line.spans.map { Span($0.text, style: style.patched(with: $0.style)) })
            buffer.write(styled, in: Rect(x: area.x, y: y, width: area.width, height: 1), alignment: alignment)
            y += 1
        }
        return shown.count
    }

    /// Greedy word wrap of one line: breaks at spaces, splits words longer than `width`.
    /// Spaces at a break are dropped; leading indentation is kept.
    public static func wrap(_ line: Line, width: Int) -> [Line] {
        guard width > 0 else { return [] }
        typealias G = (c: Character, s: Style, w: Int)
        var tokens: [(space: Bool, gs: [G])] = []
        for span in line.spans {
            for c in span.text {
                let w = c == "\t" ? 1 : DisplayWidth.of(c)
                let g: G = (c == "\t" ? " " : c, span.style, w)
                let isSpace = g.c == " "
                if let last = tokens.last, last.space == isSpace {
                    tokens[tokens.count - 1].gs.append(g)
                } else {
                    tokens.append((isSpace, [g]))
                }
            }
        }
        var out: [[G]] = []
        var current: [G] = []
        var cw = 0
        var pendingSpace: [G] = []
        func push() { out.append(current); current = []; cw = 0 }
        func place(_ word: [G]) {
            for g in word {
                if cw + g.w > width, !current.isEmpty { push() }
                current.append(g)
                cw += g.w
            }
        }
        for (i, t) in tokens.enumerated() {
            let tw = t.gs.reduce(0) { $0 + $1.w }
            if t.space {
                if i == 0 { place(t.gs) } else { pendingSpace = t.gs }
                continue
            }
            let sw = pendingSpace.reduce(0) { $0 + $1.w }
            // A word longer than a whole line is split anyway, so it starts right here.
            if cw == 0 || cw + sw + tw <= width || (tw > width && cw + sw < width) {
                if cw > 0 { current += pendingSpace; cw += sw }
                place(t.gs)
            } else {
                push()
                place(t.gs)
            }
            pendingSpace = []
        }
        push()
        return out.map { gs in
            var spans: [Span] = []
            for g in gs {
                if let last = spans.last, last.style == g.s {
                    spans[spans.count - 1].text.append(g.c)
                } else {
                    spans.append(Span(String(g.c), style: g.s))
                }
            }
            return Line(spans)
        }
    }
}

// MARK: - Modal

/// A centred box with a title, a body and a row of buttons, for confirmations. The caller
/// decides which button is focused (pacetop focuses Cancel by default for dangerous actions).
/// The focused button is drawn `> Label <` as well as in its style, so it shows without colour.
public struct Modal: Sendable {
    public var title: String
    public var body: [Line]
    public var buttons: [String]
    public var focusedButton: Int
    public var glyphs: GlyphSet
    public var borderStyle: Style
    public var titleStyle: Style
    public var textStyle: Style
    public var buttonStyle: Style
    public var focusedButtonStyle: Style
    public var maxWidth: Int
    /// Wrapped body rows skipped at the top when the body is taller than the box can be.
    public var scroll: Int

    public init(title: String, body: [Line], buttons: [String], focusedButton: Int = 0,
                glyphs: GlyphSet = .unicode, borderStyle: Style = .plain, titleStyle: Style = Style(bold: true),
                textStyle: Style = .plain, buttonStyle: Style = .plain,
                focusedButtonStyle: Style = Style(reverse: true), maxWidth: Int = 72, scroll: Int = 0) {
        self.title = title
        self.body = body
        self.buttons = buttons
        self.focusedButton = focusedButton
        self.glyphs = glyphs
        self.borderStyle = borderStyle
        self.titleStyle = titleStyle
        self.textStyle = textStyle
        self.buttonStyle = buttonStyle
        self.focusedButtonStyle = focusedButtonStyle
        self.maxWidth = maxWidth
        self.scroll = scroll
    }

    func buttonLabel(_ i: Int) -> String {
        i == focusedButton ? "> \(buttons[i]) <" : "[ \(buttons[i]) ]"
    }

    var buttonsWidth: Int {
        guard !buttons.isEmpty else { return 0 }
        return buttons.indices.reduce(0) { $0 + DisplayWidth.of(buttonLabel($1)) } + 2 * (buttons.count - 1)
    }

    private func boxWidth(in area: Rect) -> Int {
        let content = max(body.map(\.width).max() ?? 0, buttonsWidth, DisplayWidth.of(title) + 2)
        return min(area.width, maxWidth, content + 4)
    }

    /// The body after wrapping to the box's width in `area`.
    public func wrappedBody(in area: Rect) -> [Line] {
        body.flatMap { Paragraph.wrap($0, width: max(1, boxWidth(in: area) - 4)) }
    }

    /// The box's rect when shown centred in `area`.
    public func frame(in area: Rect) -> Rect {
        let h = wrappedBody(in: area).count + (buttons.isEmpty ? 2 : 4)
        return area.centered(width: boxWidth(in: area), height: h)
    }

    /// The whole body and the buttons show in `area`, without scrolling.
    public func fits(in area: Rect) -> Bool {
        boxWidth(in: area) >= 5 && wrappedBody(in: area).count + (buttons.isEmpty ? 2 : 4) <= area.height
    }

    /// The largest useful `scroll` in `area`: 0 when the body fits.
    public func scrollLimit(in area: Rect) -> Int {
        let rows = frame(in: area).height - (buttons.isEmpty ? 2 : 4)
        return max(0, wrappedBody(in: area).count - max(1, rows))
    }

    /// Draws the box over whatever is in `area` and returns its rect. A body taller than the
    /// box scrolls by `scroll`, and the border says `↓ more` / `↑ more` where rows are hidden.
    @discardableResult
    public func render(into buffer: inout Buffer, area: Rect) -> Rect {
        let box = frame(in: area)
        guard !box.isEmpty else { return box }
        buffer.fill(box, style: textStyle)
        let inner = Block(title: title, glyphs: glyphs, borderStyle: borderStyle, titleStyle: titleStyle)
            .render(into: &buffer, area: box)
        let text = inner.inset(horizontal: 1, vertical: 0)
        // The buttons take the last row, with a blank row above them when the body still
        // gets at least one row.
        let buttonRows = buttons.isEmpty ? 0 : (text.height >= 3 ? 2 : min(1, text.height))
        let bodyArea = Rect(x: text.x, y: text.y, width: text.width, height: text.height - buttonRows)
        let rows = Paragraph(body).wrappedLines(width: max(1, text.width)).count
        let top = min(max(0, scroll), max(0, rows - max(0, bodyArea.height)))
        Paragraph(body, style: textStyle, scroll: top).render(into: &buffer, area: bodyArea)
        var marks: [String] = []
        if top > 0 { marks.append("\(glyphs.arrowUp) more") }
        if top + bodyArea.height < rows { marks.append("\(glyphs.arrowDown) more") }
        if !marks.isEmpty, box.height >= 2 {
            buffer.write(Line(" " + marks.joined(separator: " ") + " ", style: borderStyle),
                         in: Rect(x: box.x + 2, y: box.bottom - 1, width: max(0, box.width - 4), height: 1),
                         alignment: .right)
        }
        if !buttons.isEmpty, text.height > 0 {
            var spans: [Span] = []
            for i in buttons.indices {
                if i > 0 { spans.append(Span("  ", style: textStyle)) }
                spans.append(Span(buttonLabel(i), style: i == focusedButton ? focusedButtonStyle : buttonStyle))
            }
            buffer.write(Line(spans), in: text.row(text.height - 1), alignment: .center, ellipsis: glyphs.ellipsis)
        }
        return box
    }
}

// MARK: - Key hints

/// One entry of a help bar: the key as shown ("q", "↑↓", "^L") and what it does.
public struct KeyHint: Hashable, Sendable {
    public var key: String
    public var label: String

    public init(_ key: String, _ label: String) {
        self.key = key
        self.label = label
    }
}

/// A one-line help bar such as `q Quit  r Restart  ? Help`. Only whole hints are shown: the
/// ones that do not fit are dropped from the end (put the important ones first).
public struct HintBar: Sendable {
    public var hints: [KeyHint]
    public var keyStyle: Style
    public var labelStyle: Style
    public var separator: String

    public init(_ hints: [KeyHint], keyStyle: Style = Style(bold: true), labelStyle: Style = .plain,
                separator: String = "  ") {
        self.hints = hints
        self.keyStyle = keyStyle
        self.labelStyle = labelStyle
        self.separator = separator
    }

    /// Renders into the first row of `area`; returns how many hints were shown.
    @discardableResult
    public func render(into buffer: inout Buffer, area: Rect) -> Int {
        guard !area.isEmpty else { return 0 }
        var spans: [Span] = []
        var width = 0
        var shown = 0
        for hint in hints {
            let sep = shown == 0 ? "" : separator
            let w = DisplayWidth.of(sep) + DisplayWidth.of(hint.key) + 1 + DisplayWidth.of(hint.label)
            guard width + w <= area.width else { break }
            if !sep.isEmpty { spans.append(Span(sep, style: labelStyle)) }
            spans.append(Span(hint.key, style: keyStyle))
            spans.append(Span(" " + hint.label, style: labelStyle))
            width += w
            shown += 1
        }
        buffer.write(Line(spans), x: area.x, y: area.y, maxWidth: area.width)
        return shown
    }
}

// MARK: - Scrollbar

/// A vertical scrollbar for a list of `total` rows showing `visible` rows from `offset`.
/// Draws nothing when everything fits, so callers can always reserve and render it.
public struct Scrollbar: Sendable {
    public var total: Int
    public var visible: Int
    public var offset: Int
    public var glyphs: GlyphSet
    public var style: Style

    public init(total: Int, visible: Int, offset: Int, glyphs: GlyphSet = .unicode, style: Style = .plain) {
        self.total = total
        self.visible = visible
        self.offset = offset
        self.glyphs = glyphs
        self.style = style
    }

    /// Rows of `height` covered by the thumb, or nil when no scrollbar is needed.
    public func thumb(height: Int) -> Range<Int>? {
        guard height > 0, visible > 0, total > visible else { return nil }
        let size = max(1, height * visible / total)
        let maxOffset = total - visible
        let o = min(max(0, offset), maxOffset)
        // The thumb touches the bottom exactly when the last row is visible.
        let start = (height - size) * o / maxOffset
        return start..<(start + size)
    }

    /// Draws in the first column of `area`.
    public func render(into buffer: inout Buffer, area: Rect) {
        guard area.width > 0, let thumb = thumb(height: area.height) else { return }
        for row in 0..<area.height {
            buffer.write(thumb.contains(row) ? glyphs.scrollThumb : glyphs.scrollTrack,
                         x: area.x, y: area.y + row, maxWidth: 1, style: style)
        }
    }
}
