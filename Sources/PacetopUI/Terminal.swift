/// What the app's runner needs from a terminal, like ratatui's `Backend`: the curses screen
/// implements it (`PacetopCurses.CursesTerminal`), tests drive the runner with a fake.
///
/// Threading: one thread only (the runner's). Other threads wake it through `wakeFD`.
public protocol Terminal: AnyObject {
    /// The size after `start()` and after each `.resize` key.
    var size: Size { get }
    /// What the terminal can show; resolve the theme with `theme.resolved(for: colorDepth)`.
    var colorDepth: ColorDepth { get }
    /// Glyphs to draw with: ASCII without a UTF-8 locale (or when asked).
    var glyphs: GlyphSet { get }
    /// Takes over the terminal (full screen, raw keys).
    func start() throws
    /// Gives the terminal back; safe to call twice. Does not write when the terminal is gone.
    func stop()
    /// The terminal is gone (as the app learned, e.g. from SIGHUP): never write to it again,
    /// not even to restore it.
    func abandon()
    /// Draws a frame: only the cells that differ from the last frame. Returns the cells written.
    @discardableResult
    func draw(_ buffer: Buffer) -> Int
    /// Forgets the last frame, so the next `draw` repaints everything (after a theme change).
    func invalidate()
    /// Blocks until a key is waiting, `wakeFD` is readable, a signal arrives or `timeoutMs`
    /// passes (-1: no timeout). Reports a terminal that went away (hang-up, EOF, EIO) as
    /// `.gone`, so the caller never spins on a dead descriptor.
    func wait(wakeFD: Int32, timeoutMs: Int32) -> TerminalWait
    /// The keys waiting now, never blocking; `.resize` means `size` changed.
    func readKeys() -> [Key]
}

public enum TerminalWait: Sendable, Equatable {
    /// Input, a wake-up or a signal: read keys and messages now.
    case ready
    case timeout
    /// The terminal is gone (its reason, for the log): stop drawing, never write to it again.
    case gone(String)
}
