/// Scalars for TOMLParser: strings, integers, floats and dates/times, checked as TOML 1.0 says.
extension TOMLParser {
    // MARK: Strings

    /// `"…"` with escapes or `'…'` without; tripled quotes open a string over several lines.
    mutating func string(_ quote: UInt8, multiLine: Bool) throws(TOMLError) -> String {
        let start = pos
        pos += multiLine ? 3 : 1
        if multiLine { _ = try newline() }  // a newline right after the opening quotes is dropped
        var out: [UInt8] = []
        while true {
            guard let c = peek() else { throw unclosed(start) }
            switch c {
            case quote:
                if !multiLine { pos += 1; return String(decoding: out, as: UTF8.self) }
                if try closeMultiLine(quote: c, into: &out) { return String(decoding: out, as: UTF8.self) }
            case ascii("\\") where quote == ascii("\""):
                pos += 1
                if multiLine, try lineEndingBackslash() { continue }
                try escape(into: &out)
            case ascii("\n"), ascii("\r"):
                guard multiLine else { throw unclosed(start) }
                _ = try newline()  // CRLF is read as LF; a lone CR is refused
                out.append(ascii("\n"))
            default:
                if isControl(c) {
                    throw fail("control character \(describe(pos)) in a string" + (quote == ascii("\"") ? "; write it as an escape" : ""))
                }
                out.append(c)
                pos += 1
            }
        }
    }

    private func unclosed(_ start: Int) -> TOMLError {
        TOMLError(file: file, line: line(at: start), message: "string is not closed")
    }

    /// At a quote inside a multi-line string: three to five quotes end it (one or two of them
    /// belong to the text); fewer are text. True when the string ended.
    private mutating func closeMultiLine(quote: UInt8, into out: inout [UInt8]) throws(TOMLError) -> Bool {
        var run = 0
        while peek(run) == quote { run += 1 }
        if run < 3 {
            out.append(contentsOf: repeatElement(quote, count: run))
            pos += run
            return false
        }
        guard run <= 5 else { throw fail("too many quotes in a row at the end of a multi-line string") }
        out.append(contentsOf: repeatElement(quote, count: run - 3))
        pos += run
        return true
    }

    /// A backslash at the end of a line joins it to the next: the newline and the spaces and
    /// newlines after it are dropped.
    private mutating func lineEndingBackslash() throws(TOMLError) -> Bool {
        var ahead = 0
        while let c = peek(ahead), c == ascii(" ") || c == ascii("\t") { ahead += 1 }
        guard peek(ahead) == ascii("\n") || peek(ahead) == ascii("\r") else { return false }
        pos += ahead
        while true {
            skipSpaces()
            guard try newline() else { return true }
        }
    }

    private mutating func escape(into out: inout [UInt8]) throws(TOMLError) {
        guard let c = peek() else { throw fail("string is not closed") }
        let simple: UInt8? = switch c {
        case ascii("b"): 0x08
        case ascii("t"): 0x09
        case ascii("n"): 0x0A
        case ascii("f"): 0x0C
        case ascii("r"): 0x0D
        case ascii("\""), ascii("\\"): c
        default: nil
        }
        if let byte = simple {
            out.append(byte)
            pos += 1
            return
        }
        guard c == ascii("u") || c == ascii("U") else {
            let shown = c > 0x20 && c < 0x7F ? "\\\(Character(Unicode.Scalar(c)))" : "\\ followed by \(describe(pos))"
            throw fail("invalid escape \(shown) in a string (valid: \\b \\t \\n \\f \\r \\\" \\\\ \\uXXXX \\UXXXXXXXX)")
        }
        let digits = c == ascii("u") ? 4 : 8
        var code: UInt32 = 0
        for offset in 1...digits {
            guard let d = peek(offset), let value = hexValue(d) else {
                throw fail("\\\(Character(Unicode.Scalar(c))) needs \(digits) hex digits")
            }
            code = code * 16 + UInt32(value)
        }
        guard let scalar = Unicode.Scalar(code) else {
            throw fail("\\\(Character(Unicode.Scalar(c)))\(String(code, radix: 16, uppercase: true)) is not a Unicode scalar value")
        }
        out.append(contentsOf: String(Character(scalar)).utf8)
        pos += 1 + digits
    }

    private func hexValue(_ c: UInt8) -> UInt8? {
        if isDigit(c) { return c - ascii("0") }
        if c >= ascii("a") && c <= ascii("f") { return c - ascii("a") + 10 }
        if c >= ascii("A") && c <= ascii("F") { return c - ascii("A") + 10 }
        return nil
    }

    // MARK: Numbers and dates

    /// Integers, floats, `inf`/`nan` and the four kinds of date/time, told apart by their text.
    mutating func numberOrDate(key: String) throws(TOMLError) -> TOMLValue {
        let start = pos
        let inToken = { (c: UInt8) in isBare(c) || c == ascii("+") || c == ascii(".") || c == ascii(":") }
        while let c = peek(), inToken(c) { pos += 1 }
        // A date and a time may be separated by one space: `1979-05-27 07:32:00`.
        if pos - start == 10, bytes[start + 4] == ascii("-"), peek() == ascii(" "),
           let h = peek(1), isDigit(h), let m = peek(2), isDigit(m), peek(3) == ascii(":") {
            pos += 1
            while let c = peek(), inToken(c) { pos += 1 }
        }
        let token = Array(bytes[start..<pos])
        let text = String(decoding: token, as: UTF8.self)
        func bad(_ why: String) -> TOMLError {
            TOMLError(file: file, line: line(at: start), key: key, message: "\(why): \(text)")
        }
        // Only dates have a `-` after a leading digit without an exponent before it.
        let looksLikeDate = isDigit(token[0]) && token.contains(ascii("-"))
            && !token.contains { $0 == ascii("e") || $0 == ascii("E") || $0 == ascii("x") }
        if token.contains(ascii(":")) || looksLikeDate {
            guard let date = DateTimeText(token) else { throw bad("invalid date/time") }
            return .datetime(date.text)
        }
        var body = token[...]
        let sign = body.first == ascii("+") || body.first == ascii("-") ? body.removeFirst() : nil
        switch String(decoding: body, as: UTF8.self) {
        case "inf": return .float(sign == ascii("-") ? -.infinity : .infinity)
        case "nan": return .float(sign == ascii("-") ? -.nan : .nan)
        default: break
        }
        if body.count > 2, body.first == ascii("0"), let radix = [ascii("x"): 16, ascii("o"): 8, ascii("b"): 2][body[body.startIndex + 1]] {
            guard sign == nil else { throw bad("hexadecimal, octal and binary integers take no sign") }
            guard let digits = digitRun(body.dropFirst(2), radix: radix) else { throw bad("invalid base-\(radix) integer") }
            guard let value = Int(String(decoding: digits, as: UTF8.self), radix: radix) else {
                throw bad("integer does not fit in 64 bits")
            }
            return .integer(value)
        }
        // Decimal: integer part, then maybe a fraction and an exponent.
        let exponentAt = body.firstIndex { $0 == ascii("e") || $0 == ascii("E") }
        let mantissa = body[..<(exponentAt ?? body.endIndex)]
        let dot = mantissa.firstIndex(of: ascii("."))
        guard let whole = digitRun(mantissa[..<(dot ?? mantissa.endIndex)], radix: 10) else { throw bad("invalid number") }
        guard whole.count == 1 || whole.first != ascii("0") else { throw bad("leading zeros are not allowed") }
        var cleaned = whole
        if let dot {
            guard let fraction = digitRun(mantissa[mantissa.index(after: dot)...], radix: 10) else { throw bad("invalid fraction") }
            cleaned += [ascii(".")] + fraction
        }
        if let exponentAt {
            var exponent = body[body.index(after: exponentAt)...]
            let expSign = exponent.first == ascii("+") || exponent.first == ascii("-") ? exponent.removeFirst() : nil
            guard let digits = digitRun(exponent, radix: 10) else { throw bad("invalid exponent") }
            cleaned += [ascii("e")] + (expSign.map { [$0] } ?? []) + digits
        }
        let number = (sign == ascii("-") ? "-" : "") + String(decoding: cleaned, as: UTF8.self)
        if dot == nil && exponentAt == nil {
            guard let value = Int(number) else { throw bad("integer does not fit in 64 bits") }
            return .integer(value)
        }
        guard let value = Double(number) else { throw bad("invalid float") }
        return .float(value)
    }

    /// Digits with single underscores between them (`1_000`), without the underscores; nil
    /// if empty, not digits of `radix`, or an underscore is not between two digits.
    private func digitRun(_ text: ArraySlice<UInt8>, radix: Int) -> [UInt8]? {
        var digits: [UInt8] = []
        var previousWasDigit = false
        for c in text {
            if c == ascii("_") {
                guard previousWasDigit else { return nil }
                previousWasDigit = false
                continue
            }
            guard let value = hexValue(c), Int(value) < radix else { return nil }
            digits.append(c)
            previousWasDigit = true
        }
        return previousWasDigit ? digits : nil
    }
}

/// A TOML date/time checked field by field (offset date-time, local date-time, local date or
/// local time) and written back in one form, as toml++ prints it.
struct DateTimeText {
    let text: String

    init?(_ token: [UInt8]) {
        var reader = FieldReader(bytes: token)
        var out = ""
        if token.count > 2 && token[2] == ascii(":") {
            guard let time = reader.time() else { return nil }
            out = time
        } else {
            guard let year = reader.number(4), reader.skip("-"), let month = reader.number(2), reader.skip("-"),
                  let day = reader.number(2), (1...12).contains(month), day >= 1,
                  day <= Self.days(inMonth: month, year: year) else { return nil }
            out = "\(String(year).leftPadded(4))-\(String(month).leftPadded(2))-\(String(day).leftPadded(2))"
            if !reader.atEnd {
                guard reader.skip("T") || reader.skip("t") || reader.skip(" "), let time = reader.time() else { return nil }
                out += "T" + time
                if reader.skip("Z") || reader.skip("z") {
                    out += "Z"
                } else if let sign = reader.peek, sign == ascii("+") || sign == ascii("-") {
                    reader.index += 1
                    guard let hours = reader.number(2), reader.skip(":"), let minutes = reader.number(2),
                          hours <= 23, minutes <= 59 else { return nil }
                    out += hours == 0 && minutes == 0 ? "Z"
                        : "\(Character(Unicode.Scalar(sign)))\(String(hours).leftPadded(2)):\(String(minutes).leftPadded(2))"
                }
            }
        }
        guard reader.atEnd else { return nil }
        text = out
    }

    static func days(inMonth month: Int, year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    private struct FieldReader {
        let bytes: [UInt8]
        var index = 0

        var atEnd: Bool { index == bytes.count }
        var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skip(_ c: Unicode.Scalar) -> Bool {
            guard peek == ascii(c) else { return false }
            index += 1
            return true
        }

        /// Exactly `count` digits.
        mutating func number(_ count: Int) -> Int? {
            guard index + count <= bytes.count, bytes[index..<index + count].allSatisfy(isDigit) else { return nil }
            defer { index += count }
            return bytes[index..<index + count].reduce(0) { $0 * 10 + Int($1 - ascii("0")) }
        }

        /// `HH:MM:SS[.fraction]`, seconds required (TOML 1.0); 60 is a leap second (RFC 3339).
        /// The fraction keeps 9 digits (nanoseconds) without trailing zeros.
        mutating func time() -> String? {
            guard let hour = number(2), skip(":"), let minute = number(2), skip(":"), let second = number(2),
                  hour <= 23, minute <= 59, second <= 60 else { return nil }
            var out = "\(String(hour).leftPadded(2)):\(String(minute).leftPadded(2)):\(String(second).leftPadded(2))"
            if skip(".") {
                let start = index
                while let c = peek, isDigit(c) { index += 1 }
                guard index > start else { return nil }
                var fraction = Array(bytes[start..<min(index, start + 9)])
                while fraction.last == ascii("0") { fraction.removeLast() }
                if !fraction.isEmpty { out += "." + String(decoding: fraction, as: UTF8.self) }
            }
            return out
        }
    }
}
