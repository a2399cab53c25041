import CNcursesw
import Testing
import PacetopUI
@testable import PacetopCurses

@Suite struct KeyMappingTests {
    @Test func characters() {
        #expect(CursesMapping.key(forCharacter: 13) == .enter)  // nonl(): Enter is CR
        #expect(CursesMapping.key(forCharacter: 10) == .enter)
        #expect(CursesMapping.key(forCharacter: 27) == .escape)
        #expect(CursesMapping.key(forCharacter: 9) == .tab)
        #expect(CursesMapping.key(forCharacter: 127) == .backspace)
        #expect(CursesMapping.key(forCharacter: 8) == .backspace)
        #expect(CursesMapping.key(forCharacter: 1) == .ctrl("a"))
        #expect(CursesMapping.key(forCharacter: 12) == .ctrl("l"))
        #expect(CursesMapping.key(forCharacter: 0x71) == .char("q"))
        #expect(CursesMapping.key(forCharacter: 0x3F) == .char("?"))
        #expect(CursesMapping.key(forCharacter: 0x65E5) == .char("日"))
        #expect(CursesMapping.key(forCharacter: 0xD800) == nil)  // not a scalar
    }

    @Test func functionKeys() {
        #expect(CursesMapping.key(forKeyCode: KEY_UP) == .up)
        #expect(CursesMapping.key(forKeyCode: KEY_DOWN) == .down)
        #expect(CursesMapping.key(forKeyCode: KEY_LEFT) == .left)
        #expect(CursesMapping.key(forKeyCode: KEY_RIGHT) == .right)
        #expect(CursesMapping.key(forKeyCode: KEY_PPAGE) == .pageUp)
        #expect(CursesMapping.key(forKeyCode: KEY_NPAGE) == .pageDown)
        #expect(CursesMapping.key(forKeyCode: KEY_HOME) == .home)
        #expect(CursesMapping.key(forKeyCode: KEY_END) == .end)
        #expect(CursesMapping.key(forKeyCode: KEY_ENTER) == .enter)
        #expect(CursesMapping.key(forKeyCode: KEY_BTAB) == .backTab)
        #expect(CursesMapping.key(forKeyCode: KEY_BACKSPACE) == .backspace)
        #expect(CursesMapping.key(forKeyCode: KEY_DC) == .delete)
        #expect(CursesMapping.key(forKeyCode: KEY_RESIZE) == .resize)
        #expect(CursesMapping.key(forKeyCode: pacetop_key_f(1)) == .function(1))
        #expect(CursesMapping.key(forKeyCode: pacetop_key_f(12)) == .function(12))
        #expect(CursesMapping.key(forKeyCode: KEY_MOUSE) == nil)
    }
}

@Suite struct CursesColorTests {
    @Test func colourNumbers() {
        func n(_ c: Color?, _ d: ColorDepth, defaults: Bool = true, fg: Bool = true) -> Int32 {
            CursesMapping.colorNumber(c, depth: d, defaultColors: defaults, foreground: fg)
        }
        #expect(n(nil, .c256) == -1)
        #expect(n(.default, .ansi8) == -1)
        #expect(n(nil, .ansi8, defaults: false) == 7)           // no use_default_colors: white on black
        #expect(n(nil, .ansi8, defaults: false, fg: false) == 0)
        #expect(n(.ansi(9), .ansi8) == 1)                        // bright red on 8 colours
        #expect(n(.ansi(9), .ansi16) == 9)
        #expect(n(.rgb(255, 0, 0), .c256) == 196)
        #expect(n(.indexed(208), .c256) == 208)
        #expect(n(.rgb(255, 0, 0), .truecolor) == 0xFF0000)
        #expect(n(.ansi(1), .truecolor) == 1)                    // below 8: ANSI in direct colour
        #expect(n(.ansi(9), .truecolor) == 0xFF0000)             // bright: sent as its RGB
        #expect(n(.rgb(0, 0, 1), .truecolor) == 8)               // would collide with ANSI 1
    }

    @Test func pairsAreAllocatedOnceAndNeverBeyondCapacity() {
        var a = ColorPairAllocator(colorPairs: 3)  // pairs 1 and 2 usable
        #expect(a.capacity == 2)
        #expect(a.pair(fg: -1, bg: -1) == (0, false))  // the default pair
        #expect(a.pair(fg: 1, bg: -1) == (1, true))
        #expect(a.pair(fg: 1, bg: -1) == (1, false))
        #expect(a.pair(fg: 2, bg: 4) == (2, true))
        #expect(a.pair(fg: 3, bg: 4) == (0, false))    // full: default colours, no invalid pair
        #expect(a.count == 2)
        a.reset()
        #expect(a.pair(fg: 3, bg: 4) == (1, true))
        #expect(ColorPairAllocator(colorPairs: 0).capacity == 0)  // vt100: no colour at all
        var noDefault = ColorPairAllocator(colorPairs: 64, defaultPair: .init(fg: 7, bg: 0))
        #expect(noDefault.pair(fg: 7, bg: 0) == (0, false))
        #expect(noDefault.pair(fg: -1, bg: -1) == (1, true))
    }
}
