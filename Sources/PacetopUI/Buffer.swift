/// A piece of text with one style.
public struct Span: Hashable, Sendable {
    public var text: String
    public var style: Style

    public init(_ text: String, style: Style = .plain) {
        self.text = text
        self.style = style
    }

    public var width: Int { DisplayWidth.of(text) }
}

/// One line of styled spans.
public struct Line: Hashable, Sendable, ExpressibleByStringLiteral {
    public var spans: [Span]

    public init(_ spans: [Span]) { self.spans = spans }
    public init(_ text: String, style: Style = .plain) { self.spans = [Span(text, style: style)] }
    public init(stringLiteral value: String) { self.init(value) }

    public var width: Int { spans.reduce(0) { $0 + $1.width } }
    public var plainText: String { spans.map(\.text).joined() }
}

/// One cell that differs between two buffers.
public struct CellChange: Hashable, Sendable {
    public var x: Int
    public var y: Int
    public var cell: Cell
}

/// A grid of cells that widgets render into. It never touches a terminal; a backend draws
/// `changes(from:)` of two consecutive frames. Every access is bounds-checked: writes outside
/// the buffer are dropped, so any size down to 0×0 is safe.
public struct Buffer: Hashable, Sendable {
    public private(set) var width: Int
    public private(set) var height: Int
    public private(set) var cells: [Cell]

    public init(width: Int, height: Int, fill: Cell = .blank) {
        self.width = max(0, width)
        self.height = max(0, height)
        self.cells = Array(repeating: fill, count: self.width * self.height)
    }

    public var area: Rect { Rect(x: 0, y: 0, width: width, height: height) }

    /// The cell at (x, y); a blank cell outside the buffer.
    public subscript(x x: Int, y y: Int) -> Cell {
        guard x >= 0, y >= 0, x < width, y < height else { return .blank }
        return cells[y * width + x]
    }

    /// Puts `cell` at (x, y). Overwriting half of a wide grapheme blanks its other half so the
    /// grid never holds an orphan continuation.
    public mutating func set(x: Int, y: Int, _ cell: Cell) {
        guard x >= 0, y >= 0, x < width, y < height else { return }
        let i = y * width + x
        if cells[i].isContinuation, x > 0 {
            cells[i - 1] = Cell(" ", style: cells[i - 1].style)
        }
        if x + 1 < width, cells[i + 1].isContinuation {
            cells[i + 1] = Cell(" ", style: cells[i + 1].style)
        }
        cells[i] = cell
    }

    /// Writes `text` from (x, y) on one row, at most `maxWidth` columns (default: to the right
    /// edge). `style` is layered onto each cell's existing style (`Style.patched(with:)`); use
    /// `fill` first to replace styles. If the text does not fit and `ellipsis` is given, the text is cut so the
    /// ellipsis fits at the end. Control characters are dropped (tab becomes a space).
    /// A wide grapheme that would cross the limit is replaced by a space.
    /// Returns the number of columns written.
    @discardableResult
    public mutating func write(_ text: String, x: Int, y: Int, maxWidth: Int? = nil,
                               style: Style = .plain, ellipsis: String? = nil) -> Int {
        write(Line(text, style: style), x: x, y: y, maxWidth: maxWidth, ellipsis: ellipsis)
    }

    /// Writes styled spans; see `write(_:x:y:maxWidth:style:ellipsis:)`.
    @discardableResult
    public mutating func write(_ line: Line, x: Int, y: Int, maxWidth: Int? = nil,
                               ellipsis: String? = nil) -> Int {
        guard y >= 0, y < height else { return 0 }
        // Cells left of column 0 are dropped by `set`, so a negative x simply clips.
        let limit = max(0, min(maxWidth ?? (width - x), width - x))
        guard limit > 0 else { return 0 }

        var cutAt = limit
        var ellipsisSpan: Span?
        if let ellipsis, line.width > limit {
            let ew = DisplayWidth.of(ellipsis)
            if ew <= limit {
                cutAt = limit - ew
                ellipsisSpan = Span(ellipsis, style: line.spans.last?.style ?? .plain)
            }
        }

        var col = 0
        outer: for span in line.spans {
            // Printable ASCII needs neither grapheme breaking nor width lookups.
            if DisplayWidth.isPrintableASCII(span.text) {
                for b in span.text.utf8 {
                    if col >= cutAt { break outer }
                    put(Self.ascii[Int(b)], x: x + col, y: y, style: span.style)
                    col += 1
                }
                continue
            }
            for ch in span.text {
                let (c, w) = Self.sanitize(ch)
                if w == 0 { continue }
                if col + w > cutAt {
                    // A wide grapheme does not fit in the last column: pad instead.
                    if col < cutAt, ellipsisSpan == nil {
                        put(" ", x: x + col, y: y, style: span.style)
                        col += 1
                    }
                    break outer
                }
                put(c, width: w, x: x + col, y: y, style: span.style)
                col += w
            }
        }
        if let e = ellipsisSpan {
            for ch in e.text {
                let (c, w) = Self.sanitize(ch)
                if w == 0 || col + w > limit { continue }
                put(c, width: w, x: x + col, y: y, style: e.style)
                col += w
            }
        }
        return col
    }

    /// The 128 ASCII characters, indexed by code.
    private static let ascii: [Character] = (0..<128).map { Character(Unicode.Scalar(UInt8($0))) }

    private static func sanitize(_ ch: Character) -> (Character, Int) {
        if ch == "\t" { return (" ", 1) }
        return (ch, DisplayWidth.of(ch))
    }

    /// Writes a grapheme whose style is layered onto the cell's current style, as in ratatui:
    /// text written over a filled background keeps that background unless it sets its own.
    private mutating func put(_ c: Character, width w: Int = 1, x: Int, y: Int, style: Style) {
        let layered = self[x: x, y: y].style.patched(with: style)
        set(x: x, y: y, Cell(c, style: layered))
        if w == 2 { set(x: x + 1, y: y, Cell(" ", style: layered, isContinuation: true)) }
    }

    /// Fills `rect` (clipped to the buffer) with `grapheme` in `style`, replacing what was there
    /// (use it to clear an area or lay a background).
    public mutating func fill(_ rect: Rect, with grapheme: Character = " ", style: Style = .plain) {
        let r = rect.intersection(area)
        guard !r.isEmpty else { return }
        let w = DisplayWidth.of(grapheme)
        for y in r.top..<r.bottom {
            for x in r.left..<r.right { set(x: x, y: y, Cell(" ", style: style)) }
            if w == 2 {
                var x = r.left
                while x + 1 < r.right { put(grapheme, width: 2, x: x, y: y, style: style); x += 2 }
                if x < r.right { put(" ", x: x, y: y, style: style) }
            } else {
                for x in r.left..<r.right { set(x: x, y: y, Cell(w == 1 ? grapheme : " ", style: style)) }
            }
        }
    }

    /// Layers `style` onto every cell of `rect` (patch) or replaces their style.
    public mutating func setStyle(_ rect: Rect, _ style: Style, patch: Bool = true) {
        let r = rect.intersection(area)
        // Layering the plain style changes nothing (every table row does it).
        guard !r.isEmpty, !(patch && style == .plain) else { return }
        for y in r.top..<r.bottom {
            for x in r.left..<r.right {
                let i = y * width + x
                cells[i].style = patch ? cells[i].style.patched(with: style) : style
            }
        }
    }

    /// Plain text of each row, trailing spaces trimmed; for snapshot tests and text dumps.
    public func lines() -> [String] {
        (0..<height).map { y in
            let row = y * width
            // Trim trailing blanks on the cells, not on the String (whose `last` and
            // `removeLast` break graphemes backwards: a third of `--once` on 2,000 resources).
            var end = width
            while end > 0, cells[row + end - 1].grapheme == " ", !cells[row + end - 1].isContinuation { end -= 1 }
            var utf8: [UInt8] = []
            utf8.reserveCapacity(end)
            var s = ""
            for x in 0..<end {
                let c = cells[row + x]
                if c.isContinuation { continue }
                // One UTF-8 byte is ASCII (`asciiValue` first compares with "\r\n", cell by cell).
                let bytes = c.grapheme.utf8
                if bytes.count == 1 {
                    utf8.append(bytes[bytes.startIndex])
                } else if let a = c.grapheme.asciiValue {
                    utf8.append(a)
                } else {
                    if !utf8.isEmpty { s += String(decoding: utf8, as: UTF8.self); utf8.removeAll(keepingCapacity: true) }
                    s.append(c.grapheme)
                }
            }
            if !utf8.isEmpty { s += String(decoding: utf8, as: UTF8.self) }
            return s
        }
    }

    /// Cells that differ from `previous`. A buffer of another size differs everywhere.
    public func changes(from previous: Buffer) -> [CellChange] {
        var out: [CellChange] = []
        let same = previous.width == width && previous.height == height
        for y in 0..<height {
            for x in 0..<width {
                let i = y * width + x
                if !same || previous.cells[i] != cells[i] {
                    out.append(CellChange(x: x, y: y, cell: cells[i]))
                }
            }
        }
        return out
    }
}
