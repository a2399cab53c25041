import CNcursesw
import PacetopUI
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

public enum TerminalError: Error, CustomStringConvertible {
    case cannotInitialize(term: String)

    public var description: String {
        switch self {
        case .cannotInitialize(let term):
            return "cannot initialise the terminal (TERM=\(term.isEmpty ? "unset" : term)); try TERM=xterm or TERM=vt100"
        }
    }
}

/// The curses screen. This is the only type that calls curses.
///
/// Threading: curses keeps global state and is not thread-safe, so this class is deliberately
/// not `Sendable`: create it, draw and read keys on one thread (the main thread). Other threads
/// wake that thread through the `extraFD` of `waitForInput` (a self-pipe), never by calling in.
/// `restoreAfterCrash()` is the one exception, for signal handlers and `atexit`.
public final class CursesTerminal: Terminal {
    public struct Options: Sendable {
        /// Drop all colours (the `--no-color` flag). `NO_COLOR` in the environment does the same.
        public var noColor: Bool
        /// Use ASCII glyphs even in a UTF-8 locale.
        public var forceASCII: Bool
        /// Variables to consult (NO_COLOR, TERM); nil reads the process environment.
        public var environment: [String: String]?
        /// Terminal type; nil uses $TERM.
        public var termType: String?
        /// Passed to setlocale; "" takes it from LANG/LC_*.
        public var locale: String
        /// The terminal's file descriptors (a pty in tests).
        public var inputFD: Int32
        public var outputFD: Int32

        public init(noColor: Bool = false, forceASCII: Bool = false, environment: [String: String]? = nil,
                    termType: String? = nil, locale: String = "", inputFD: Int32 = 0, outputFD: Int32 = 1) {
            self.noColor = noColor
            self.forceASCII = forceASCII
            self.environment = environment
            self.termType = termType
            self.locale = locale
            self.inputFD = inputFD
            self.outputFD = outputFD
        }
    }

    public let options: Options
    /// What the terminal can show; resolve the theme with `theme.resolved(for: colorDepth)`.
    public private(set) var colorDepth: ColorDepth = .mono
    /// Whether the locale's character set is UTF-8.
    public private(set) var isUTF8 = false
    /// Glyphs to draw with: ASCII without a UTF-8 locale (or when asked).
    public private(set) var glyphs: GlyphSet = .ascii
    public private(set) var size = Size(width: 0, height: 0)
    public private(set) var isStarted = false

    private var screen: OpaquePointer?
    private var defaultColors = false
    private var pairs = ColorPairAllocator(colorPairs: 0)
    private var last: Buffer?
    private var styleCache: [Style: (attrs: attr_t, pair: Int32)] = [:]
    private var outFile: UnsafeMutablePointer<FILE>?
    private var inFile: UnsafeMutablePointer<FILE>?

    /// Set while curses owns the terminal, for `restoreAfterCrash`. Written only by the UI
    /// thread; read by a signal handler, which is why it cannot be isolated.
    nonisolated(unsafe) private static var active = false

    public init(options: Options = Options()) {
        self.options = options
    }

    deinit {
        if isStarted { end() }
    }

    /// Takes over the terminal. Throws if TERM is unknown (curses would otherwise exit).
    public func start() throws(TerminalError) {
        guard !isStarted else { return }
        setlocale(LC_ALL, options.locale)
        let codeset = pacetop_codeset().map { String(cString: $0) } ?? ""
        let cs = codeset.uppercased()
        isUTF8 = cs == "UTF-8" || cs == "UTF8"
        glyphs = isUTF8 && !options.forceASCII ? .unicode : .ascii

        // Own FILE streams on duplicated descriptors, so closing them in end() leaves the
        // caller's descriptors open.
        outFile = fdopen(dup(options.outputFD), "w")
        inFile = fdopen(dup(options.inputFD), "r")
        guard let outFile, let inFile, let scr = newterm(options.termType, outFile, inFile) else {
            closeFiles()
            throw .cannotInitialize(term: options.termType ?? env("TERM") ?? "")
        }
        screen = scr
        _ = set_term(scr)
        isStarted = true
        Self.active = true
        let win = pacetop_stdscr()
        _ = cbreak()
        _ = noecho()
        _ = nonl()
        _ = keypad(win, true)
        _ = intrflush(win, false)
        _ = curs_set(0)
        _ = set_escdelay(25)
        wtimeout(win, 0)

        let noColorEnv = !(env("NO_COLOR") ?? "").isEmpty
        if has_colors() && !options.noColor && !noColorEnv {
            _ = start_color()
            defaultColors = use_default_colors() == OK
            colorDepth = ColorDepth.from(colors: Int(pacetop_colors()))
            let def = defaultColors ? ColorPairAllocator.Pair(fg: -1, bg: -1) : ColorPairAllocator.Pair(fg: 7, bg: 0)
            pairs = ColorPairAllocator(colorPairs: Int(pacetop_color_pairs()), defaultPair: def)
        } else {
            colorDepth = .mono
        }
        styleCache = [:]
        updateSize()
        last = nil
    }

    /// Gives the terminal back (also safe to call twice).
    public func end() {
        guard isStarted else { return }
        if gone == nil {
            _ = curs_set(1)
            _ = endwin()
        }
        if let screen { delscreen(screen) }
        screen = nil
        closeFiles()
        isStarted = false
        Self.active = false
        last = nil
    }

    private func env(_ name: String) -> String? {
        if let environment = options.environment { return environment[name] }
        return getenv(name).map { String(cString: $0) }
    }

    private func closeFiles() {
        if let outFile { fclose(outFile) }
        if let inFile { fclose(inFile) }
        outFile = nil
        inFile = nil
    }

    /// Forces the next `draw` to repaint every cell (e.g. after Ctrl-L or a subprocess).
    public func invalidate() {
        last = nil
    }

    private func updateSize() {
        let win = pacetop_stdscr()
        size = Size(width: Int(pacetop_getmaxx(win)), height: Int(pacetop_getmaxy(win)))
    }

    // MARK: Drawing

    /// Draws the cells of `buffer` that differ from the last drawn buffer (all of them after a
    /// resize or `invalidate()`), then updates the screen. Cells beyond the terminal are
    /// clipped. Returns the number of cells written.
    @discardableResult
    public func draw(_ buffer: Buffer) -> Int {
        guard isStarted, gone == nil else { return 0 }
        let win = pacetop_stdscr()
        let changes: [CellChange]
        var full = false
        if let last, last.width == buffer.width, last.height == buffer.height {
            changes = buffer.changes(from: last)
        } else {
            _ = werase(win)
            _ = clearok(win, true)
            full = true
            changes = buffer.changes(from: Buffer(width: 0, height: 0))
        }
        var written = 0
        for change in changes where !change.cell.isContinuation {
            guard change.x < size.width, change.y < size.height else { continue }
            put(change.cell, x: change.x, y: change.y, win: win)
            written += 1
        }
        last = buffer
        if full || written > 0 {
            _ = wnoutrefresh(win)
            _ = doupdate()
        }
        return written
    }

    /// Curses attributes and colour pair for a style; cached because a frame has few
    /// distinct styles and finding the nearest colour is not free.
    private func cursesStyle(_ style: Style) -> (attrs: attr_t, pair: Int32) {
        if let cached = styleCache[style] { return cached }
        var attrs = pacetop_a_normal()
        let m = style.modifiers
        if m.contains(.bold) { attrs |= pacetop_a_bold() }
        if m.contains(.dim) { attrs |= pacetop_a_dim() }
        if m.contains(.underline) { attrs |= pacetop_a_underline() }
        if m.contains(.reverse) { attrs |= pacetop_a_reverse() }
        if m.contains(.italic) { attrs |= pacetop_a_italic() }
        var pair: Int32 = 0
        if colorDepth != .mono {
            let fg = CursesMapping.colorNumber(style.fg, depth: colorDepth, defaultColors: defaultColors, foreground: true)
            let bg = CursesMapping.colorNumber(style.bg, depth: colorDepth, defaultColors: defaultColors, foreground: false)
            let (n, isNew) = pairs.pair(fg: fg, bg: bg)
            if isNew, init_extended_pair(n, fg, bg) == ERR { pair = 0 } else { pair = n }
        }
        if styleCache.count > 4096 { styleCache.removeAll() }  // bound memory if styles churn
        styleCache[style] = (attrs, pair)
        return (attrs, pair)
    }

    private func put(_ cell: Cell, x: Int, y: Int, win: UnsafeMutablePointer<WINDOW>?) {
        let cs = cursesStyle(cell.style)
        let attrs = cs.attrs
        var pair = cs.pair  // setcchar reads the extended pair number through a pointer

        var text: [wchar_t] = []
        if isUTF8 || cell.grapheme.isASCII {
            for s in cell.grapheme.unicodeScalars.prefix(4) { text.append(wchar_t(bitPattern: s.value)) }
        } else {
            text.append(wchar_t(63))  // "?": the locale cannot show it
        }
        let wide = DisplayWidth.of(cell.grapheme) == 2
        text.append(0)
        var cc = cchar_t()
        _ = setcchar(&cc, text, attrs, 0, &pair)
        _ = mvwadd_wch(win, Int32(y), Int32(x), &cc)
        if wide && !isUTF8 {
            // "?" took one column where the buffer reserved two: blank the second.
            var blank = cchar_t()
            let sp: [wchar_t] = [32, 0]
            _ = setcchar(&blank, sp, attrs, 0, &pair)
            _ = mvwadd_wch(win, Int32(y), Int32(x + 1), &blank)
        }
    }

    // MARK: Input

    /// Blocks until the terminal has input, `wakeFD` (a wake-up pipe; -1 for none) is readable,
    /// a signal arrives (e.g. SIGWINCH on resize) or `timeoutMs` passes (-1: no timeout).
    /// A hang-up, an error or end of file on the terminal is `.gone`: a terminal that vanished
    /// without SIGHUP reaching us leaves fd 0 readable at EOF for ever, and a loop that only
    /// waited for input would spin on it. Drain the wake-up pipe yourself.
    public func wait(wakeFD: Int32, timeoutMs: Int32) -> TerminalWait {
        if let gone { return .gone(gone) }
        var fds = [pollfd(fd: options.inputFD, events: Int16(POLLIN), revents: 0)]
        if wakeFD >= 0 { fds.append(pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)) }
        let r = poll(&fds, nfds_t(fds.count), timeoutMs)
        if r < 0 { return errno == EINTR ? .ready : lost("poll failed: errno \(errno)") }
        let ev = Int32(fds[0].revents)
        if ev & Int32(POLLNVAL) != 0 { return lost("the terminal's descriptor is closed") }
        if ev & Int32(POLLHUP | POLLERR) != 0 { return lost("the terminal hung up") }
        if ev & Int32(POLLIN) != 0 {
            // Readable with nothing to read is end of file (curses cannot tell us: it returns
            // ERR for "no key" and for EOF alike).
            var pending: Int32 = 0
            if ioctl(options.inputFD, UInt(FIONREAD), &pending) == 0, pending == 0 {
                return lost("the terminal reached end of file")
            }
        }
        var ws = winsize()
        if ioctl(options.outputFD, UInt(TIOCGWINSZ), &ws) != 0, errno == EIO {
            return lost("the terminal returned EIO")
        }
        return r == 0 ? .timeout : .ready
    }

    /// Why the terminal is gone, once it is: nothing is drawn or read after that.
    public private(set) var gone: String?

    private func lost(_ why: String) -> TerminalWait {
        gone = why
        return .gone(why)
    }

    public func stop() { end() }

    public func abandon() {
        if gone == nil { gone = "abandoned" }
    }

    public func readKeys() -> [Key] { readKeys(limit: 512) }

    /// All keys waiting now (never blocks). A `.resize` key means `size` has been updated.
    public func readKeys(limit: Int) -> [Key] {
        guard isStarted, gone == nil else { return [] }
        let win = pacetop_stdscr()
        wtimeout(win, 0)
        var keys: [Key] = []
        if checkResize() { keys.append(.resize) }
        var wch: wint_t = 0
        while keys.count < limit {
            let r = wget_wch(win, &wch)
            if r == ERR { break }
            let key: Key?
            if r == KEY_CODE_YES {
                key = CursesMapping.key(forKeyCode: Int32(bitPattern: wch))
                if key == .resize {
                    updateSize()
                    last = nil
                }
            } else {
                key = CursesMapping.key(forCharacter: UInt32(wch))
            }
            // One resize per batch is enough: the app re-lays out from `size` anyway.
            if let key, !(key == .resize && keys.contains(.resize)) { keys.append(key) }
        }
        return keys
    }

    /// Asks the terminal for its size and resizes curses if it changed. ncurses only reports
    /// KEY_RESIZE from a blocking read, and SIGWINCH may land on another thread, so the size
    /// is checked on every wake-up instead (one ioctl).
    private func checkResize() -> Bool {
        var ws = winsize()
        guard ioctl(options.outputFD, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0 else { return false }
        let newSize = Size(width: Int(ws.ws_col), height: Int(ws.ws_row))
        guard newSize != size else { return false }
        _ = resizeterm(Int32(ws.ws_row), Int32(ws.ws_col))
        updateSize()
        last = nil
        return true
    }

    // MARK: Crash paths

    /// Gives the terminal back from a signal handler or `atexit`: only `endwin`, no Swift
    /// allocation. Does nothing when curses is not active.
    public static func restoreAfterCrash() {
        if active {
            active = false
            _ = endwin()
        }
    }

    /// Restores the terminal at exit, on SIGINT, SIGTERM, SIGHUP and SIGQUIT, and on crashes
    /// (SIGABRT, SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE: a Swift trap is one of these). The
    /// handler gives the terminal back, then hands the signal to whatever handled it before
    /// (the default action, or Swift's crash backtracer), so exit status and crash reports stay
    /// true. Call once, before `start()`. Pass `interrupts: false` to leave SIGINT, SIGTERM,
    /// SIGHUP and SIGQUIT to the app (e.g. to quit cleanly through its wake-up pipe); install
    /// those handlers before `start()` too, or curses installs its own.
    public static func installRestoreHandlers(interrupts: Bool = true) {
        atexit { CursesTerminal.restoreAfterCrash() }
        for sig in restoreSignals where interrupts || !interruptSignals.contains(sig) {
            #if os(Linux)
            var action: sigaction = .init()
            action.__sigaction_handler.sa_handler = { s in
                CursesTerminal.restoreAfterCrash()
                if s >= 0, s < CursesTerminal.previousActions.count {
                    _ = sigaction(s, &CursesTerminal.previousActions[Int(s)], nil)
                }
                _ = raise(s)
            }
            sigemptyset(&action.sa_mask)
            action.sa_flags = 0
            _ = sigaction(sig, &action, &previousActions[Int(sig)])
            #else
            _ = signal(sig) { s in
                CursesTerminal.restoreAfterCrash()
                _ = signal(s, SIG_DFL)
                _ = raise(s)
            }
            #endif
        }
    }

    static let interruptSignals = [SIGINT, SIGTERM, SIGHUP, SIGQUIT]
    static let restoreSignals = interruptSignals + [SIGABRT, SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE]

    #if os(Linux)
    /// The handlers that were installed before ours, indexed by signal number; allocated up
    /// front so the signal handler does not allocate.
    nonisolated(unsafe) static var previousActions: [sigaction] = Array(repeating: .init(), count: 65)
    #endif

    /// Blocks SIGWINCH in the calling thread. Call it at the start of worker threads so the
    /// resize signal interrupts the UI thread's `poll` rather than a worker's.
    public static func blockResizeSignalInCurrentThread() {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGWINCH)
        _ = pthread_sigmask(SIG_BLOCK, &set, nil)
    }
}
