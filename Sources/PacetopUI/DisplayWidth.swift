/// Terminal column widths of text, as wcwidth would count them: East Asian wide and emoji
/// graphemes take 2 columns, combining marks and other zero-width scalars take 0, control
/// characters 0 (callers replace them before drawing).
public enum DisplayWidth {
    /// Columns taken by one grapheme cluster (0, 1 or 2).
    public static func of(_ c: Character) -> Int {
        if c.isASCII {
            // "\r\n" is one Character and ASCII; all controls are zero width.
            guard let v = c.asciiValue, v >= 0x20, v != 0x7f else { return 0 }
            return 1
        }
        var scalars = c.unicodeScalars.makeIterator()
        guard let first = scalars.next() else { return 0 }
        var width = of(first)
        // A variation selector 16 turns a text-style symbol into a 2-column emoji.
        while let s = scalars.next() {
            if s.value == 0xFE0F && first.properties.isEmoji { width = 2 }
        }
        return width
    }

    /// Columns taken by one scalar on its own.
    public static func of(_ s: Unicode.Scalar) -> Int {
        let v = s.value
        if v < 0x20 || (v >= 0x7f && v < 0xa0) { return 0 }
        if v < 0x300 { return 1 }
        switch s.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format:
            return 0
        default:
            break
        }
        if v == 0x200B || (v >= 0x1160 && v <= 0x11FF) { return 0 }  // ZWSP, Hangul jungseong/jongseong
        if s.properties.isEmojiPresentation { return 2 }
        return isWide(v) ? 2 : 1
    }

    /// Columns taken by a string.
    public static func of(_ text: String) -> Int {
        // Printable ASCII, nearly all text here, is a column a byte: no grapheme breaking.
        if isPrintableASCII(text) { return text.utf8.count }
        var total = 0
        for c in text { total += of(c) }
        return total
    }

    /// Whether every byte is printable ASCII (0x20–0x7E): one grapheme and one column each.
    public static func isPrintableASCII(_ text: String) -> Bool {
        text.utf8.allSatisfy { $0 >= 0x20 && $0 < 0x7f }
    }

    // East Asian Wide (W) and Fullwidth (F) blocks, coarse but covering what appears in node
    // and resource names and in messages.
    private static let wideRanges: [ClosedRange<UInt32>] = [
        0x1100...0x115F, 0x231A...0x231B, 0x2329...0x232A, 0x2E80...0x303E, 0x3041...0x33FF,
        0x3400...0x4DBF, 0x4E00...0x9FFF, 0xA000...0xA4CF, 0xA960...0xA97F, 0xAC00...0xD7A3,
        0xF900...0xFAFF, 0xFE10...0xFE19, 0xFE30...0xFE6F, 0xFF00...0xFF60, 0xFFE0...0xFFE6,
        0x16FE0...0x16FE4, 0x17000...0x18AFF, 0x1B000...0x1B2FF, 0x1F300...0x1F64F,
        0x1F900...0x1F9FF, 0x1FA70...0x1FAFF, 0x20000...0x2FFFD, 0x30000...0x3FFFD,
    ]

    private static func isWide(_ v: UInt32) -> Bool {
        if v < 0x1100 { return false }
        for r in wideRanges where r.contains(v) { return true }
        return false
    }
}
