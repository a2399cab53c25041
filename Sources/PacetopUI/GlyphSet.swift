/// The characters used for borders, marks and arrows. `.ascii` is used when the locale is not
/// UTF-8 (ncurses would otherwise print box drawing as `lqqk`) or on request.
public struct GlyphSet: Hashable, Sendable {
    public var topLeft: String
    public var topRight: String
    public var bottomLeft: String
    public var bottomRight: String
    public var horizontal: String
    public var vertical: String
    public var teeLeft: String
    public var teeRight: String
    public var bullet: String
    public var check: String
    public var cross: String
    public var arrowUp: String
    public var arrowDown: String
    public var arrowLeft: String
    public var arrowRight: String
    public var master: String
    public var pointer: String
    public var warning: String
    public var ellipsis: String
    public var scrollTrack: String
    public var scrollThumb: String
    public var isUnicode: Bool

    public static let unicode = GlyphSet(
        topLeft: "┌", topRight: "┐", bottomLeft: "└", bottomRight: "┘", horizontal: "─",
        vertical: "│", teeLeft: "├", teeRight: "┤", bullet: "•", check: "✓", cross: "✗",
        arrowUp: "↑", arrowDown: "↓", arrowLeft: "←", arrowRight: "→", master: "★",
        pointer: "▶", warning: "⚠", ellipsis: "…", scrollTrack: "│", scrollThumb: "█",
        isUnicode: true)

    public static let ascii = GlyphSet(
        topLeft: "+", topRight: "+", bottomLeft: "+", bottomRight: "+", horizontal: "-",
        vertical: "|", teeLeft: "+", teeRight: "+", bullet: "*", check: "+", cross: "x",
        arrowUp: "^", arrowDown: "v", arrowLeft: "<", arrowRight: ">", master: "*",
        pointer: ">", warning: "!", ellipsis: "~", scrollTrack: "|", scrollThumb: "#",
        isUnicode: false)
}
