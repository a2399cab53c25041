import Foundation
import PacetopCore

/// `cibadmin --query --scope constraints` → the `cli-prefer-*` / `cli-ban-*` location
/// constraints that `crm_resource --move/--ban` leave behind (crm_mon never shows prefers).
/// A small tag scanner is enough: cibadmin prints plain, well-formed XML, and only a few
/// attributes of three elements matter.
public enum CLIConstraintParser {
    public static func parse(_ xml: String) -> [LocationConstraint] {
        var out: [LocationConstraint] = []
        var current: LocationConstraint?
        var i = xml.startIndex
        while let lt = xml[i...].firstIndex(of: "<") {
            if xml[lt...].hasPrefix("<!--") {
                guard let end = xml[lt...].range(of: "-->") else { break }
                i = end.upperBound
                continue
            }
            guard let gt = xml[lt...].firstIndex(of: ">") else { break }
            i = xml.index(after: gt)
            var tag = xml[xml.index(after: lt)..<gt]
            if tag.hasPrefix("?") || tag.hasPrefix("!") { continue }
            if tag.hasPrefix("/") {
                if tag.dropFirst().trimmingCharacters(in: .whitespaces) == "rsc_location", let c = current {
                    out.append(c)
                    current = nil
                }
                continue
            }
            let selfClosing = tag.hasSuffix("/")
            if selfClosing { tag = tag.dropLast() }
            let name = String(tag.prefix { !$0.isWhitespace })
            let attrs = attributes(tag.dropFirst(name.count))
            switch name {
            case "rsc_location":
                guard let id = attrs["id"], id.hasPrefix("cli-"), let rsc = attrs["rsc"] else { continue }
                let score = attrs["score"]
                let ban = id.hasPrefix("cli-ban-") || (score?.hasPrefix("-") ?? false)
                let c = LocationConstraint(id: id, kind: ban ? .ban : .prefer, resource: rsc, node: attrs["node"],
                                           score: score, role: attrs["role"])
                if selfClosing { out.append(c) } else { current = c }
            case "rule":
                if current != nil, current?.score == nil { current?.score = attrs["score"] }
                if let s = attrs["score"], s.hasPrefix("-") { current?.kind = .ban }
            case "expression":
                if current != nil, attrs["attribute"] == "#uname", attrs["operation"] == "eq" {
                    current?.node = attrs["value"]
                }
            case "date_expression":
                if current != nil, let end = attrs["end"] { current?.expires = end }
            default:
                break
            }
        }
        return out
    }

    static func attributes(_ s: Substring) -> [String: String] {
        var out: [String: String] = [:]
        var rest = s[...]
        while let eq = rest.firstIndex(of: "=") {
            let key = rest[..<eq].trimmingCharacters(in: .whitespacesAndNewlines)
            var after = rest[rest.index(after: eq)...].drop { $0.isWhitespace }
            guard let q = after.first, q == "\"" || q == "'" else { break }
            after = after.dropFirst()
            guard let close = after.firstIndex(of: q) else { break }
            out[key] = unescape(after[..<close])
            rest = after[after.index(after: close)...]
        }
        return out
    }

    static func unescape(_ s: Substring) -> String {
        guard s.contains("&") else { return String(s) }
        return s.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&apos;", with: "'")
            .replacingOccurrences(of: "&amp;", with: "&")
    }
}
