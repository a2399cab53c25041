/// A key press, independent of the terminal library so the app can be tested without one.
public enum Key: Hashable, Sendable {
    /// A printable character (any script, emoji included).
    case char(Character)
    /// Control plus a letter, as the lowercase letter: Ctrl-L is `.ctrl("l")`. Ctrl-C normally
    /// raises SIGINT instead (the terminal is in cbreak mode); Ctrl-I/M/H arrive as tab,
    /// enter and backspace.
    case ctrl(Character)
    case up, down, left, right
    case pageUp, pageDown, home, end
    case enter, escape, tab, backTab, backspace, delete
    case function(Int)
    /// The terminal changed size; the backend has already updated its size.
    case resize
}
