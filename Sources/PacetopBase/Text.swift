#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

// String helpers that Foundation has and FoundationEssentials lacks.

extension StringProtocol {
    /// `trimmingCharacters(in: .whitespaces)`: spaces and tabs at both ends, not newlines.
    public func trimmingWhitespace() -> String {
        trimmed { $0.isWhitespace && !$0.isNewline }
    }

    /// `trimmingCharacters(in: .whitespacesAndNewlines)`.
    public func trimmingWhitespaceAndNewlines() -> String {
        trimmed(\.isWhitespace)
    }

    private func trimmed(_ drop: (Character) -> Bool) -> String {
        guard let first = firstIndex(where: { !drop($0) }), let last = lastIndex(where: { !drop($0) }) else {
            return ""
        }
        return String(self[first...last])
    }

    /// `padding(toLength:withPad: " ", startingAt: 0)`: cut or padded with spaces to `length` characters.
    public func padded(to length: Int) -> String {
        count >= length ? String(prefix(length)) : String(self) + String(repeating: " ", count: length - count)
    }
}

/// `String(format:)` for numbers: C's printf formatting (`"%.1f"`, `"%02d"`), without Foundation.
public func cFormat(_ format: String, _ arguments: CVarArg...) -> String {
    withVaList(arguments) { list in
        var buffer = [CChar](repeating: 0, count: 128)
        let needed = Int(vsnprintf(&buffer, buffer.count, format, list))
        guard needed >= buffer.count else { return string(buffer, count: needed) }
        buffer = [CChar](repeating: 0, count: needed + 1)
        return withVaList(arguments) { again in
            _ = vsnprintf(&buffer, buffer.count, format, again)
            return string(buffer, count: needed)
        }
    }
}

private func string(_ buffer: [CChar], count: Int) -> String {
    String(decoding: buffer.prefix(max(0, count)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
