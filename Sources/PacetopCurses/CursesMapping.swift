import CNcursesw
import PacetopUI

/// Pure translations between PacetopUI values and curses numbers, kept apart from the
/// terminal so they can be tested without one.
public enum CursesMapping {
    /// The key for a character read by `wget_wch` (status OK).
    public static func key(forCharacter c: UInt32) -> Key? {
        switch c {
        case 13, 10: return .enter
        case 27: return .escape
        case 9: return .tab
        case 8, 127: return .backspace
        case 0: return .ctrl("@")
        case 1...26: return .ctrl(Character(Unicode.Scalar(UInt8(c) + 96)))  // ^A → "a"
        case 28...31: return nil
        default:
            guard let s = Unicode.Scalar(c) else { return nil }
            return .char(Character(s))
        }
    }

    /// The key for a function-key code read by `wget_wch` (status KEY_CODE_YES).
    public static func key(forKeyCode code: Int32) -> Key? {
        switch code {
        case KEY_UP: return .up
        case KEY_DOWN: return .down
        case KEY_LEFT: return .left
        case KEY_RIGHT: return .right
        case KEY_PPAGE: return .pageUp
        case KEY_NPAGE: return .pageDown
        case KEY_HOME, KEY_A1: return .home
        case KEY_END, KEY_C1: return .end
        case KEY_ENTER: return .enter
        case KEY_BTAB: return .backTab
        case KEY_BACKSPACE: return .backspace
        case KEY_DC: return .delete
        case KEY_RESIZE: return .resize
        case KEY_F0 + 1...KEY_F0 + 63: return .function(Int(code - KEY_F0))
        default: return nil
        }
    }

    /// The curses colour number for an already-degraded colour. `nil` and `.default` are -1
    /// when the terminal allows default colours, else white on black. In truecolor (direct
    /// colour terminfo such as xterm-direct) numbers below 8 are the ANSI colours and the
    /// rest are packed RGB, so indexed colours are sent as their RGB value.
    public static func colorNumber(_ color: Color?, depth: ColorDepth, defaultColors: Bool,
                                   foreground: Bool) -> Int32 {
        let c = color.flatMap { $0.degraded(to: depth) } ?? .default
        switch c {
        case .default:
            return defaultColors ? -1 : (foreground ? 7 : 0)
        case .ansi(let n):
            if depth == .truecolor, n >= 8 { return packed(Palette.rgb(ofIndex: n)) }
            return Int32(n)
        case .indexed(let n):
            if depth == .truecolor, n >= 8 { return packed(Palette.rgb(ofIndex: n)) }
            return Int32(n)
        case .rgb(let r, let g, let b):
            return packed((r, g, b))
        }
    }

    private static func packed(_ c: (UInt8, UInt8, UInt8)) -> Int32 {
        // Values below 8 would be read as ANSI colours; those near-blacks become 8 (still black).
        max(8, Int32(c.0) << 16 | Int32(c.1) << 8 | Int32(c.2))
    }
}

/// Hands out colour pair numbers for (fg, bg) combinations on demand. Pair 0 is the
/// terminal's default pair and is used when the pairs run out (colours then drop to the
/// default, attributes stay), so a terminal with few pairs never gets an invalid pair.
public struct ColorPairAllocator: Sendable {
    public struct Pair: Hashable, Sendable {
        public var fg: Int32
        public var bg: Int32

        public init(fg: Int32, bg: Int32) {
            self.fg = fg
            self.bg = bg
        }
    }

    /// Usable pair numbers, 1...capacity.
    public let capacity: Int
    /// The pair curses uses as pair 0.
    public let defaultPair: Pair
    private var pairs: [Pair: Int32] = [:]

    public init(colorPairs: Int, defaultPair: Pair = Pair(fg: -1, bg: -1)) {
        // init_extended_pair takes an int, but keep within what terminfo promises.
        capacity = max(0, min(colorPairs - 1, 32766))
        self.defaultPair = defaultPair
    }

    public var count: Int { pairs.count }

    /// The pair number for `fg`/`bg`, and whether it is new (the caller must init it).
    public mutating func pair(fg: Int32, bg: Int32) -> (number: Int32, isNew: Bool) {
        let key = Pair(fg: fg, bg: bg)
        if key == defaultPair { return (0, false) }
        if let n = pairs[key] { return (n, false) }
        guard pairs.count < capacity else { return (0, false) }
        let n = Int32(pairs.count + 1)
        pairs[key] = n
        return (n, true)
    }

    public mutating func reset() { pairs.removeAll() }
}
