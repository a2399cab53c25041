import FoundationEssentials
import Glibc

/// Times as crm_mon writes them. A failure's `last-rc-change` carries a zone in 2.x
/// (`2026-11-25 04:55:47Z`, `2020-09-02 12:17:38 -04:00`); `last_update`, `last_change`, the
/// history's `last-rc-change`/`last-failure` (and 1.1's failures) do not (`Wed Nov 25 04:55:46
/// 2026`): they are the wall clock of the node that ran crm_mon, in its zone.
public enum CrmTime {
    /// What a time string says.
    public enum Parsed: Sendable, Equatable {
        /// A moment: the text named its zone (or was seconds since the epoch).
        case instant(Date)
        /// A wall-clock reading without a zone, as seconds since 1970-01-01 00:00 of that clock.
        case wallClock(Int)
    }

    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// Reads any format crm_mon has used; nil for empty or unknown text.
    public static func parse(_ text: String) -> Parsed? {
        let words = text.split(separator: " ").map(String.init)
        // "1606910258": the CIB's own epoch seconds.
        if words.count == 1, words[0].count >= 9, words[0].allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int(words[0]) {
            return .instant(Date(timeIntervalSince1970: Double(n)))
        }
        // "2026-11-25 04:55:47Z", "2020-09-02 12:17:38 -04:00"
        if words.count == 2 || words.count == 3, let day = ymd(words[0]) {
            var clock = words[1]
            var offset: Int?
            if clock.hasSuffix("Z") { clock.removeLast(); offset = 0 }
            if words.count == 3 { offset = zoneOffset(words[2]) }
            guard let offset, let secs = hms(clock) else { return nil }
            return .instant(Date(timeIntervalSince1970: Double(wall(day, secs) - offset)))
        }
        // "Wed Nov 25 04:55:46 2026" (ctime, with "Nov  5" for one-digit days)
        if words.count == 5, let month = months.firstIndex(of: words[1]), let d = Int(words[2]), (1...31).contains(d),
           let y = Int(words[4]), let secs = hms(words[3]) {
            return .wallClock(wall((y, month + 1, d), secs))
        }
        return nil
    }

    /// The moment `text` names. A zone-less time is read at `nodeOffset` seconds east of UTC
    /// when the node's zone is known, else in this machine's zone (with its summer time).
    public static func date(_ text: String, nodeOffset: Int?) -> Date? {
        switch parse(text) {
        case .instant(let d): return d
        case .wallClock(let w):
            if let nodeOffset { return Date(timeIntervalSince1970: Double(w - nodeOffset)) }
            var t = time_t(w)
            var parts = tm()
            gmtime_r(&t, &parts)
            parts.tm_isdst = -1
            return Date(timeIntervalSince1970: Double(mktime(&parts)))
        case nil: return nil
        }
    }

    /// The node's offset from UTC (seconds east), from its zone-less `last_update` and the
    /// moment the poll ran: the difference, rounded to the quarter hour every zone uses. Nil
    /// when they are further apart than any zone (a clock that is simply wrong) or do not land
    /// near a quarter hour.
    public static func nodeOffset(lastUpdate: String?, polledAt: Date) -> Int? {
        guard let lastUpdate, case .wallClock(let w) = parse(lastUpdate) else { return nil }
        let diff = w - Int(polledAt.timeIntervalSince1970.rounded())
        let quarter = 15 * 60
        let rounded = Int((Double(diff) / Double(quarter)).rounded()) * quarter
        guard abs(diff - rounded) <= 5 * 60, (-12 * 3600...14 * 3600).contains(rounded) else { return nil }
        return rounded
    }

    /// The node's offset from the document itself: a failure's zoned `last-rc-change` and the
    /// same operation (node, resource, call id) in the zone-less history name one moment.
    public static func nodeOffset(in status: ClusterStatus) -> Int? {
        for f in status.failures {
            guard let call = f.call, let text = f.lastRCChange, case .instant(let moment) = parse(text) else { continue }
            for h in status.history where h.node == f.node {
                for r in h.resources where r.id == f.resource {
                    guard let op = r.operations.first(where: { $0.call == call }), let local = op.lastRCChange,
                          case .wallClock(let w) = parse(local) else { continue }
                    let diff = w - Int(moment.timeIntervalSince1970)
                    let quarter = 15 * 60
                    if diff % quarter == 0, abs(diff) <= 14 * 3600 { return diff }
                }
            }
        }
        return nil
    }

    private static func ymd(_ s: String) -> (Int, Int, Int)? {
        let p = s.split(separator: "-").compactMap { Int($0) }
        guard p.count == 3, (1...12).contains(p[1]), (1...31).contains(p[2]) else { return nil }
        return (p[0], p[1], p[2])
    }

    private static func hms(_ s: String) -> Int? {
        let p = s.split(separator: ":").compactMap { Int($0) }
        guard p.count == 3, (0...23).contains(p[0]), (0...59).contains(p[1]), (0...60).contains(p[2]) else { return nil }
        return p[0] * 3600 + p[1] * 60 + p[2]
    }

    /// `-04:00`, `+0530`, `Z`.
    private static func zoneOffset(_ s: String) -> Int? {
        if s == "Z" { return 0 }
        guard let sign = s.first, sign == "+" || sign == "-" else { return nil }
        let digits = s.dropFirst().filter { $0 != ":" }
        guard digits.count == 4, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let h = Int(digits.prefix(2)), let m = Int(digits.suffix(2)) else { return nil }
        return (sign == "-" ? -1 : 1) * (h * 3600 + m * 60)
    }

    /// Seconds since 1970 of a calendar day and time, without any zone.
    private static func wall(_ day: (Int, Int, Int), _ secs: Int) -> Int {
        var parts = tm()
        parts.tm_year = Int32(day.0 - 1900)
        parts.tm_mon = Int32(day.1 - 1)
        parts.tm_mday = Int32(day.2)
        return Int(timegm(&parts)) + secs
    }
}
