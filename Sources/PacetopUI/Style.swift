/// A terminal colour. `.ansi` is one of the 16 classic colours (0–7 normal, 8–15 bright),
/// `.indexed` one of the 256 xterm colours, `.rgb` a 24-bit colour. Backends degrade colours
/// they cannot show (see `ColorDepth`).
public enum Color: Hashable, Sendable {
    case `default`
    case ansi(UInt8)
    case indexed(UInt8)
    case rgb(UInt8, UInt8, UInt8)

    public static let black = Color.ansi(0)
    public static let red = Color.ansi(1)
    public static let green = Color.ansi(2)
    public static let yellow = Color.ansi(3)
    public static let blue = Color.ansi(4)
    public static let magenta = Color.ansi(5)
    public static let cyan = Color.ansi(6)
    public static let white = Color.ansi(7)
}

/// Text attributes. A set, so that layered styles can add attributes.
public struct Modifiers: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let bold = Modifiers(rawValue: 1 << 0)
    public static let dim = Modifiers(rawValue: 1 << 1)
    public static let underline = Modifiers(rawValue: 1 << 2)
    public static let reverse = Modifiers(rawValue: 1 << 3)
    public static let italic = Modifiers(rawValue: 1 << 4)
}

/// Colours and attributes of a cell. `nil` colours mean "not set": when styles are layered
/// with `patched(with:)` an unset colour keeps the one underneath; a backend draws `nil` as
/// the terminal's default colour.
public struct Style: Hashable, Sendable {
    public var fg: Color?
    public var bg: Color?
    public var modifiers: Modifiers

    public init(fg: Color? = nil, bg: Color? = nil, modifiers: Modifiers = []) {
        self.fg = fg
        self.bg = bg
        self.modifiers = modifiers
    }

    public init(fg: Color? = nil, bg: Color? = nil, bold: Bool = false, dim: Bool = false,
                underline: Bool = false, reverse: Bool = false, italic: Bool = false) {
        var m: Modifiers = []
        if bold { m.insert(.bold) }
        if dim { m.insert(.dim) }
        if underline { m.insert(.underline) }
        if reverse { m.insert(.reverse) }
        if italic { m.insert(.italic) }
        self.init(fg: fg, bg: bg, modifiers: m)
    }

    public static let plain = Style()

    public var bold: Bool { get { modifiers.contains(.bold) } set { set(.bold, newValue) } }
    public var dim: Bool { get { modifiers.contains(.dim) } set { set(.dim, newValue) } }
    public var underline: Bool { get { modifiers.contains(.underline) } set { set(.underline, newValue) } }
    public var reverse: Bool { get { modifiers.contains(.reverse) } set { set(.reverse, newValue) } }
    public var italic: Bool { get { modifiers.contains(.italic) } set { set(.italic, newValue) } }

    private mutating func set(_ m: Modifiers, _ on: Bool) {
        if on { modifiers.insert(m) } else { modifiers.remove(m) }
    }

    /// `other` layered on top of `self`: its colours win where set, attributes add up.
    public func patched(with other: Style) -> Style {
        Style(fg: other.fg ?? fg, bg: other.bg ?? bg, modifiers: modifiers.union(other.modifiers))
    }
}

/// One terminal cell: a grapheme and its style. A wide (2-column) grapheme occupies its cell
/// and the next one; that second cell is a continuation and is never drawn on its own.
public struct Cell: Hashable, Sendable {
    public var grapheme: Character
    public var style: Style
    public var isContinuation: Bool

    public init(_ grapheme: Character = " ", style: Style = .plain, isContinuation: Bool = false) {
        self.grapheme = grapheme
        self.style = style
        self.isContinuation = isContinuation
    }

    public static let blank = Cell()
}

/// A rectangle of cells. Width and height are never negative.
public struct Rect: Hashable, Sendable, CustomStringConvertible {
    public var x: Int
    public var y: Int
    public var width: Int
    public var height: Int

    public init(x: Int, y: Int, width: Int, height: Int) {
        self.x = x
        self.y = y
        self.width = max(0, width)
        self.height = max(0, height)
    }

    public static let zero = Rect(x: 0, y: 0, width: 0, height: 0)

    public var left: Int { x }
    public var top: Int { y }
    /// One past the last column.
    public var right: Int { x + width }
    /// One past the last row.
    public var bottom: Int { y + height }
    public var isEmpty: Bool { width == 0 || height == 0 }
    public var area: Int { width * height }

    public var description: String { "Rect(x: \(x), y: \(y), w: \(width), h: \(height))" }

    public func contains(x px: Int, y py: Int) -> Bool {
        px >= x && px < right && py >= y && py < bottom
    }

    public func intersection(_ other: Rect) -> Rect {
        let l = max(x, other.x), t = max(y, other.y)
        let r = min(right, other.right), b = min(bottom, other.bottom)
        return Rect(x: l, y: t, width: r - l, height: b - t)
    }

    /// The rect shrunk by `by` cells on every side (never below zero size).
    public func inset(by n: Int) -> Rect {
        inset(horizontal: n, vertical: n)
    }

    public func inset(horizontal h: Int, vertical v: Int) -> Rect {
        Rect(x: x + h, y: y + v, width: width - 2 * h, height: height - 2 * v)
    }

    /// A `width`×`height` rect centred in this one, clamped to fit.
    public func centered(width w: Int, height h: Int) -> Rect {
        let cw = min(max(0, w), width), ch = min(max(0, h), height)
        return Rect(x: x + (width - cw) / 2, y: y + (height - ch) / 2, width: cw, height: ch)
    }

    /// The single row `row` (relative) of this rect, or an empty rect when out of range.
    public func row(_ row: Int) -> Rect {
        guard row >= 0, row < height else { return Rect(x: x, y: y, width: width, height: 0) }
        return Rect(x: x, y: y + row, width: width, height: 1)
    }
}

/// A size in cells.
public struct Size: Hashable, Sendable {
    public var width: Int
    public var height: Int

    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
    }
}
