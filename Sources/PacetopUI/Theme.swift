#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Semantic roles the app styles text with. Theme files use the raw values as keys.
public enum Role: String, CaseIterable, Hashable, Sendable {
    case uiText = "ui.text"
    case uiDim = "ui.dim"
    case uiTitle = "ui.title"
    case uiBorder = "ui.border"
    case uiHeader = "ui.header"
    case uiFooter = "ui.footer"
    case uiKey = "ui.key"
    case uiHelp = "ui.help"
    case selection
    case alert
    case warning
    case ok
    case info
    case master
    case demo
    case stale
    case nodeOnline = "node.online"
    case nodeStandby = "node.standby"
    case nodeOffline = "node.offline"
    case nodeUnclean = "node.unclean"
    case nodeMaintenance = "node.maintenance"
    case nodePending = "node.pending"
    case resourceStarted = "resource.started"
    case resourceStopped = "resource.stopped"
    case resourceFailed = "resource.failed"
    case resourcePending = "resource.pending"
    case resourceUnmanaged = "resource.unmanaged"
    case resourcePromoted = "resource.promoted"
    case healthOK = "health.ok"
    case healthDegraded = "health.degraded"
    case healthCritical = "health.critical"
    case timelineTime = "timeline.time"
    case timelineEvent = "timeline.event"
    case confirmBorder = "confirm.border"
    case confirmCommand = "confirm.command"
    case button
    case buttonFocused = "button.focused"

    /// The role whose style is used when a theme does not set this one. This table is the one
    /// place that defines the fallback chain; every chain ends at `ui.text`.
    public var fallback: Role? {
        switch self {
        case .uiText: nil
        case .uiDim, .uiTitle, .selection, .alert, .ok, .info, .timelineEvent, .button: .uiText
        case .uiBorder, .uiFooter, .uiHelp, .timelineTime, .resourceStopped, .stale: .uiDim
        case .uiHeader, .uiKey, .confirmCommand: .uiTitle
        case .warning: .alert
        case .master, .nodeOnline, .resourceStarted, .healthOK: .ok
        case .demo, .nodeStandby, .nodeMaintenance, .resourceUnmanaged, .healthDegraded: .warning
        case .nodeOffline, .nodeUnclean, .resourceFailed, .healthCritical, .confirmBorder: .alert
        case .nodePending, .resourcePending: .info
        case .resourcePromoted: .master
        case .buttonFocused: .selection
        }
    }

    /// Position in `allCases`, for table lookups.
    var index: Int { Role.indexes[self] ?? 0 }
    private static let indexes: [Role: Int] = Dictionary(uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })

    /// Attributes used in `.mono` when the theme gives a role (and its fallbacks) none, so
    /// states that differ only by colour stay distinguishable without colour.
    public var monoAttributes: Modifiers? {
        switch self {
        case .selection, .buttonFocused: .reverse
        case .alert, .confirmBorder: .bold
        case .resourceFailed, .nodeUnclean, .healthCritical: [.bold, .reverse]
        case .warning: .underline
        case .uiTitle, .uiHeader, .uiKey, .master: .bold
        case .uiDim, .stale: .dim
        default: nil
        }
    }
}

/// How many colours the terminal can show, from none to 24-bit.
public enum ColorDepth: Int, Comparable, CaseIterable, Sendable {
    case mono, ansi8, ansi16, c256, truecolor

    public static func < (a: ColorDepth, b: ColorDepth) -> Bool { a.rawValue < b.rawValue }

    /// Depth for a terminal reporting `colors` colours (ncurses COLORS).
    public static func from(colors: Int) -> ColorDepth {
        if colors >= 1 << 24 { return .truecolor }
        if colors >= 256 { return .c256 }
        if colors >= 16 { return .ansi16 }
        if colors >= 8 { return .ansi8 }
        return .mono
    }
}

extension Color {
    /// This colour as the nearest one the depth can show; `nil` in `.mono`.
    public func degraded(to depth: ColorDepth) -> Color? {
        switch (self, depth) {
        case (.default, _): return .default
        case (_, .mono): return nil
        case (_, .truecolor): return self
        case (.ansi, .c256), (.indexed, .c256): return self
        case (.rgb(let r, let g, let b), .c256): return .indexed(Palette.nearest256(r, g, b))
        case (.ansi(let n), .ansi16): return .ansi(n & 15)
        case (.indexed(let n), .ansi16):
            return .ansi(n < 16 ? n : Palette.sameFamily16(Palette.rgb(ofIndex: n)))
        case (.rgb(let r, let g, let b), .ansi16): return .ansi(Palette.sameFamily16((r, g, b)))
        case (_, .ansi8):
            guard case .ansi(let n)? = degraded(to: .ansi16) else { return .default }
            // Bright colours become their normal counterpart, except bright black (gray),
            // which on 8 colours is closest to white, not to black.
            return n == 8 ? .ansi(7) : .ansi(n & 7)
        }
    }
}

extension Style {
    /// This style with colours the depth can show; in `.mono` only attributes remain.
    public func degraded(to depth: ColorDepth) -> Style {
        Style(fg: fg.flatMap { $0.degraded(to: depth) }, bg: bg.flatMap { $0.degraded(to: depth) },
              modifiers: modifiers)
    }
}

/// The xterm colour palette, for picking the nearest colour.
public enum Palette {
    /// Typical xterm values of the 16 ANSI colours.
    public static let ansi16: [(UInt8, UInt8, UInt8)] = [
        (0, 0, 0), (205, 0, 0), (0, 205, 0), (205, 205, 0), (0, 0, 238), (205, 0, 205), (0, 205, 205),
        (229, 229, 229), (127, 127, 127), (255, 0, 0), (0, 255, 0), (255, 255, 0), (92, 92, 255),
        (255, 0, 255), (0, 255, 255), (255, 255, 255),
    ]

    static let cubeLevels: [Int] = [0, 95, 135, 175, 215, 255]

    /// RGB of xterm colour `n`.
    public static func rgb(ofIndex n: UInt8) -> (UInt8, UInt8, UInt8) {
        if n < 16 { return ansi16[Int(n)] }
        if n >= 232 {
            let v = UInt8(8 + 10 * (Int(n) - 232))
            return (v, v, v)
        }
        let i = Int(n) - 16
        return (UInt8(cubeLevels[i / 36]), UInt8(cubeLevels[(i / 6) % 6]), UInt8(cubeLevels[i % 6]))
    }

    typealias Lab = (l: Double, a: Double, b: Double)

    /// CIE L*a*b* of an sRGB colour. Nearest colours are picked by distance in Lab, where
    /// distance follows perceived difference: plain RGB distance maps Solarized's red and
    /// orange to the same 256-colour index, Lab keeps them apart.
    static func lab(_ c: (UInt8, UInt8, UInt8)) -> Lab {
        func linear(_ v: UInt8) -> Double {
            let x = Double(v) / 255
            return x <= 0.04045 ? x / 12.92 : pow((x + 0.055) / 1.055, 2.4)
        }
        let r = linear(c.0), g = linear(c.1), b = linear(c.2)
        let x = (0.4124 * r + 0.3576 * g + 0.1805 * b) / 0.95047
        let y = 0.2126 * r + 0.7152 * g + 0.0722 * b
        let z = (0.0193 * r + 0.1192 * g + 0.9505 * b) / 1.08883
        func f(_ t: Double) -> Double { t > 0.008856 ? cbrt(t) : 7.787 * t + 16.0 / 116.0 }
        return (116 * f(y) - 16, 500 * (f(x) - f(y)), 200 * (f(y) - f(z)))
    }

    static func distance(_ p: Lab, _ q: Lab) -> Double {
        let dl = p.l - q.l, da = p.a - q.a, db = p.b - q.b
        return dl * dl + da * da + db * db
    }

    static let lab256: [Lab] = (0...255).map { lab(rgb(ofIndex: UInt8($0))) }
    static let family256: [Family] = (0...255).map { family(rgb(ofIndex: UInt8($0))) }

    /// The nearest of the 240 colours 16–255 (the first 16 vary between terminals) of the
    /// same family, so that a role keeps its meaning.
    public static func nearest256(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt8 {
        let target = lab((r, g, b))
        let wanted = family((r, g, b))
        var best = 16, bestD = Double.infinity
        for n in 16...255 where family256[n] == wanted {
            let d = distance(target, lab256[n])
            if d < bestD { bestD = d; best = n }
        }
        return UInt8(best)
    }

    /// What a colour means on a dashboard: its hue family, or gray for the unsaturated.
    public enum Family: String, Sendable, CaseIterable {
        case black, gray, white, red, yellow, green, cyan, blue, magenta
    }

    /// The family of an sRGB colour. Olive (Solarized's green, hue 68°) is green and orange
    /// is yellow: what matters is that good stays green, warning yellow and bad red.
    public static func family(_ c: (UInt8, UInt8, UInt8)) -> Family {
        let r = Double(c.0), g = Double(c.1), b = Double(c.2)
        let hi = max(r, g, b), lo = min(r, g, b)
        if hi < 70 { return .black }
        if (hi - lo) / hi < 0.2 { return hi < 170 ? .gray : .white }
        var hue: Double
        if hi == r { hue = 60 * (g - b) / (hi - lo) }
        else if hi == g { hue = 60 * (b - r) / (hi - lo) + 120 }
        else { hue = 60 * (r - g) / (hi - lo) + 240 }
        if hue < 0 { hue += 360 }
        switch hue {
        case ..<30, 345...: return .red
        case ..<64: return .yellow
        case ..<165: return .green
        case ..<195: return .cyan
        case ..<255: return .blue
        default: return .magenta
        }
    }

    /// The ANSI colour of the same family (bright for light shades). Lab distance alone
    /// turned Solarized's olive green into yellow and a sea green into cyan on 8/16 colours.
    public static func sameFamily16(_ c: (UInt8, UInt8, UInt8)) -> UInt8 {
        let bright = max(c.0, c.1, c.2) > 230
        switch family(c) {
        case .black: return 0
        case .gray: return 8
        case .white: return max(c.0, c.1, c.2) > 240 ? 15 : 7
        case .red: return bright ? 9 : 1
        case .green: return bright ? 10 : 2
        case .yellow: return bright ? 11 : 3
        case .blue: return bright ? 12 : 4
        case .magenta: return bright ? 13 : 5
        case .cyan: return bright ? 14 : 6
        }
    }
}

/// A theme: styles for roles. Roles it does not set follow `Role.fallback`.
public struct Theme: Hashable, Sendable {
    public var name: String
    /// Where the theme came from (a file path, or "built-in").
    public var source: String
    /// Styles the theme sets explicitly (after inheritance).
    public private(set) var styles: [Role: Style]
    private var resolvedStyles: [Style]

    public init(name: String, source: String = "built-in", styles: [Role: Style]) {
        self.name = name
        self.source = source
        self.styles = styles
        self.resolvedStyles = Role.allCases.map { role in
            var r: Role? = role
            while let cur = r {
                if let s = styles[cur] { return s }
                r = cur.fallback
            }
            return .plain
        }
    }

    /// Whether this is the built-in fallback (no theme files were found).
    public var isBuiltIn: Bool { source.hasPrefix("built-in") }

    /// The style for `role`, following the fallback chain.
    public func style(_ role: Role) -> Style {
        resolvedStyles[role.index]
    }

    public subscript(role: Role) -> Style { style(role) }

    /// The style for `role` as the terminal at `depth` can show it. In `.mono` a role left
    /// without attributes gets the first `monoAttributes` along its fallback chain, and a
    /// selection is always reversed (without colour a highlight bar is otherwise invisible).
    public func style(_ role: Role, depth: ColorDepth) -> Style {
        var s = style(role).degraded(to: depth)
        guard depth == .mono else { return s }
        if s.modifiers.isEmpty {
            var r: Role? = role
            while let cur = r {
                if let m = cur.monoAttributes { s.modifiers = m; break }
                r = cur.fallback
            }
        }
        if role == .selection || role == .buttonFocused { s.modifiers.insert(.reverse) }
        return s
    }

    /// The whole theme degraded to `depth`, so callers can use `style(_:)` directly.
    public func resolved(for depth: ColorDepth) -> Theme {
        var out: [Role: Style] = [:]
        for role in Role.allCases { out[role] = style(role, depth: depth) }
        return Theme(name: name, source: source, styles: out)
    }
}
