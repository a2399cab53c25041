#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Testing
import PacetopUI
@testable import PacetopCurses

/// A pseudo-terminal: the terminal side is handed to CursesTerminal, the test reads what it
/// prints and types keys on the other side.
final class PTY {
    let master: Int32
    let slave: Int32

    init(width: Int, height: Int) throws {
        var m: Int32 = -1, sl: Int32 = -1
        guard openpty(&m, &sl, nil, nil, nil) == 0 else { throw PTYError() }
        master = m
        slave = sl
        resize(width: width, height: height)
    }

    func resize(width: Int, height: Int) {
        var ws = winsize(ws_row: UInt16(height), ws_col: UInt16(width), ws_xpixel: 0, ws_ypixel: 0)
        _ = ioctl(master, UInt(TIOCSWINSZ), &ws)
    }

    /// Everything the terminal printed so far.
    func drain() -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        while true {
            var pfd = pollfd(fd: master, events: Int16(POLLIN), revents: 0)
            guard poll(&pfd, 1, 50) > 0 else { break }
            let n = read(master, &buf, buf.count)
            if n <= 0 { break }
            out += buf[0..<n]
        }
        return String(decoding: out, as: UTF8.self)
    }

    func type(_ s: String) {
        let bytes = Array(s.utf8)
        _ = bytes.withUnsafeBytes { write(master, $0.baseAddress, $0.count) }
    }

    deinit {
        close(slave)
        close(master)
    }
}

struct PTYError: Error {}

/// curses is one global state: these tests run one at a time.
@Suite(.serialized) struct CursesTerminalTests {
    func terminal(_ pty: PTY, term: String, locale: String = "C.UTF-8", noColor: Bool = false,
                  environment: [String: String] = [:]) -> CursesTerminal {
        CursesTerminal(options: .init(noColor: noColor, environment: environment, termType: term, locale: locale,
                                      inputFD: pty.slave, outputFD: pty.slave))
    }

    @Test func drawsOnlyChangedCells() throws {
        let pty = try PTY(width: 20, height: 5)
        let term = terminal(pty, term: "xterm-256color")
        try term.start()
        defer { term.end() }
        #expect(term.size == Size(width: 20, height: 5))
        #expect(term.colorDepth == .c256)
        #expect(term.isUTF8)
        #expect(term.glyphs == .unicode)
        _ = pty.drain()

        var b = Buffer(width: 20, height: 5)
        b.write("hello 日本", x: 0, y: 0, style: Style(fg: .red, bold: true))
        b.write("idx", x: 0, y: 1, style: Style(fg: .indexed(208), bg: .rgb(0, 0, 255)))
        // A first frame draws every cell but the two continuation cells of 日本.
        #expect(term.draw(b) == 98)
        let first = pty.drain()
        #expect(first.contains("hello 日本"))
        #expect(first.contains("\u{1b}[31m"))        // red
        #expect(first.contains("\u{1b}[0;1m") || first.contains("\u{1b}[1m"))  // bold
        #expect(first.contains("\u{1b}[38;5;208m"))  // indexed colour through an extended pair
        #expect(first.contains("\u{1b}[48;5;21m"))   // rgb blue → nearest 256

        // Same frame: nothing to write.
        #expect(term.draw(b) == 0)
        #expect(!pty.drain().contains("hello"))

        var c = b
        c.write("J", x: 0, y: 0, style: Style(fg: .red, bold: true))
        #expect(term.draw(c) == 1)
        let third = pty.drain()
        #expect(third.contains("J"))
        #expect(!third.contains("ello"))

        // The bottom-right cell is drawn too (curses cannot move the cursor past it).
        var d = c
        d.write("Z", x: 19, y: 4)
        #expect(term.draw(d) == 1)
        #expect(pty.drain().contains("Z"))

        // invalidate() repaints everything.
        term.invalidate()
        #expect(term.draw(d) == 98)
        #expect(pty.drain().contains("Jello"))
    }

    @Test func readsKeysAndWakesOnThePipe() throws {
        let pty = try PTY(width: 20, height: 5)
        let term = terminal(pty, term: "xterm-256color")
        try term.start()
        defer { term.end() }
        _ = pty.drain()

        #expect(term.wait(wakeFD: -1, timeoutMs: 20) == .timeout)
        #expect(term.readKeys() == [])

        pty.type("q\u{1b}OA\u{1b}OP\u{1b}[6~\r\u{7f}\u{c}日")
        #expect(term.wait(wakeFD: -1, timeoutMs: 2000) == .ready)
        var keys: [Key] = []
        // The bytes may arrive in pieces; collect until all are read.
        for _ in 0..<20 where keys.count < 8 {
            keys += term.readKeys()
            if keys.count < 8 { _ = term.wait(wakeFD: -1, timeoutMs: 100) }
        }
        #expect(keys == [.char("q"), .up, .function(1), .pageDown, .enter, .backspace, .ctrl("l"), .char("日")])

        // A lone Escape arrives after the 25 ms escape delay, not swallowed or merged.
        pty.type("\u{1b}")
        #expect(term.wait(wakeFD: -1, timeoutMs: 2000) == .ready)
        var esc: [Key] = []
        for _ in 0..<10 where esc.isEmpty {
            esc = term.readKeys()
            if esc.isEmpty { _ = term.wait(wakeFD: -1, timeoutMs: 50) }
        }
        #expect(esc == [.escape])

        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        defer { close(fds[0]); close(fds[1]) }
        var byte: UInt8 = 1
        _ = write(fds[1], &byte, 1)
        #expect(term.wait(wakeFD: fds[0], timeoutMs: 2000) == .ready)
        #expect(term.readKeys() == [])
    }

    @Test func resizeIsAKeyAndForcesAFullRedraw() throws {
        let pty = try PTY(width: 20, height: 5)
        let term = terminal(pty, term: "xterm-256color")
        try term.start()
        defer { term.end() }
        var b = Buffer(width: 20, height: 5)
        b.write("x", x: 0, y: 0)
        term.draw(b)
        _ = pty.drain()

        pty.resize(width: 30, height: 8)
        raise(SIGWINCH)
        #expect(term.readKeys() == [.resize])
        #expect(term.size == Size(width: 30, height: 8))
        var big = Buffer(width: 30, height: 8)
        big.write("x", x: 0, y: 0)
        #expect(term.draw(big) == 240)

        // Smaller than the app's minimum still works: cells beyond the screen are clipped.
        pty.resize(width: 6, height: 2)
        raise(SIGWINCH)
        #expect(term.readKeys() == [.resize])
        #expect(term.size == Size(width: 6, height: 2))
        #expect(term.draw(big) == 12)
    }

    @Test func vt100HasNoColourAndASCIIGlyphs() throws {
        let pty = try PTY(width: 10, height: 2)
        let term = terminal(pty, term: "vt100", locale: "C")
        try term.start()
        defer { term.end() }
        #expect(term.colorDepth == .mono)
        #expect(!term.isUTF8)
        #expect(term.glyphs == .ascii)
        _ = pty.drain()
        var b = Buffer(width: 10, height: 2)
        b.write("a日é", x: 0, y: 0, style: Style(fg: .red, bold: true))
        term.draw(b)
        let out = pty.drain()
        #expect(out.contains("a? ?"))          // the locale cannot show them
        #expect(!out.contains("\u{1b}[31m"))   // no colour
        #expect(out.contains("\u{1b}[1m") || out.contains("\u{1b}[0;1m"))  // bold stays
    }

    @Test func eightColourTerminalGetsNormalColours() throws {
        let pty = try PTY(width: 10, height: 2)
        let term = terminal(pty, term: "xterm")
        try term.start()
        defer { term.end() }
        #expect(term.colorDepth == .ansi8)
        _ = pty.drain()
        var b = Buffer(width: 10, height: 2)
        b.write("err", x: 0, y: 0, style: Style(fg: .ansi(9)))
        term.draw(b)
        #expect(pty.drain().contains("\u{1b}[31merr"))
    }

    @Test func noColorOptionAndEnvironment() throws {
        let pty = try PTY(width: 10, height: 2)
        let a = terminal(pty, term: "xterm-256color", environment: ["NO_COLOR": "1"])
        try a.start()
        #expect(a.colorDepth == .mono)
        a.end()
        let b = terminal(pty, term: "xterm-256color", noColor: true)
        try b.start()
        #expect(b.colorDepth == .mono)
        b.end()
        let c = terminal(pty, term: "xterm-256color", environment: ["NO_COLOR": ""])
        try c.start()
        #expect(c.colorDepth == .c256)  // an empty NO_COLOR does not count (no-color.org)
        c.end()
    }

    @Test func crashRestoreLeavesTheAlternateScreen() throws {
        let pty = try PTY(width: 10, height: 3)
        let term = terminal(pty, term: "xterm-256color")
        try term.start()
        #expect(pty.drain().contains("\u{1b}[?1049h"))  // curses switched to the alternate screen
        CursesTerminal.restoreAfterCrash()
        #expect(pty.drain().contains("\u{1b}[?1049l"))  // and back, as a signal handler would
        CursesTerminal.restoreAfterCrash()                 // a second call does nothing
        #expect(pty.drain().isEmpty)
        term.end()
    }

    @Test func unknownTerminalThrowsInsteadOfExiting() throws {
        let pty = try PTY(width: 10, height: 2)
        let term = terminal(pty, term: "no-such-terminal-xyz")
        #expect(throws: TerminalError.self) { try term.start() }
        #expect(!term.isStarted)
    }
}
