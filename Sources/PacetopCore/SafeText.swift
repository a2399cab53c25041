/// Text from the cluster (crm_mon's <error> text, a command's stderr, names) on its way to a
/// terminal outside the screen (`--once`, messages on stderr): control characters are dropped,
/// so nobody else's bytes can move the cursor, rewrite a line (CR) or start an escape sequence
/// (ESC, or the 8-bit CSI U+009B). Newlines and tabs stay.
public enum SafeText {
    /// `s` without control characters (C0 but newline and tab, DEL, C1).
    public static func strip(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = String.UnicodeScalarView()
        out.append(contentsOf: s.unicodeScalars.lazy.filter { !isControl($0) })
        return String(out)
    }

    static func isControl(_ c: Unicode.Scalar) -> Bool {
        (c.value < 0x20 && c != "\n" && c != "\t") || (0x7F...0x9F).contains(c.value)
    }
}
